/**
 * Words that name what a protocol is rather than which one it is: "Euler Finance", "EulerFinance"
 * and "Euler" are one protocol; "Nomad Bridge" and "Nomad" too. Version tags go as well.
 */
export const GENERIC_WORDS: readonly string[] = [
  "finance",
  "protocol",
  "network",
  "bridge",
  "exchange",
  "dao",
  "labs",
  "capital",
  "markets",
  "money",
];

/**
 * The key de-duplication compares protocol names by: lower-case letters and digits only, without
 * parenthesised asides ("LpdFi (LOOPSDAO)"), with generic words and a trailing version tag (v1–v9)
 * removed, unless nothing would be left.
 */
export function protocolKey(name: string): string {
  let key = protocolLetters(name);
  for (let changed = true; changed; ) {
    changed = false;
    const version = /v[1-9]$/.exec(key);
    if (version && key.length > 2) {
      key = key.slice(0, -2);
      changed = true;
    }
    for (const word of GENERIC_WORDS) {
      if (key.endsWith(word) && key.length > word.length) {
        key = key.slice(0, -word.length);
        changed = true;
      }
    }
  }
  return key;
}

/** The first step of {@link protocolKey}: lower-case letters and digits, without asides. */
export function protocolLetters(name: string): string {
  return name
    .replace(/\([^)]*\)/g, "")
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}
