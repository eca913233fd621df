import type { ParseResult, SourceId } from "../types.ts";
import { parseChronicle } from "./chronicle.ts";
import { parseDefiHackLabsReadme } from "./defihacklabs-readme.ts";
import { parseDefiLlama } from "./defillama.ts";
import { parseExplorer } from "./explorer.ts";
import { parseRektLeaderboard } from "./rekt.ts";
import { parseSlowMist } from "./slowmist.ts";

/** Sources a file can be imported as. */
export const IMPORTABLE: readonly SourceId[] = [
  "defillama",
  "defihacklabs",
  "defihacklabs-explorer",
  "defi-hack-chronicle",
  "rekt",
  "slowmist",
];

/**
 * Which source's format a file is in, from its content: the explorer's `Lost`/`lossType` rows,
 * DeFiLlama's unix-second `date` rows, a Chronicle record's `estimatedLoss`, DeFiHackLabs'
 * `### YYYYMMDD` sections, rekt's leaderboard or SlowMist's "Hacked target". Null when none fits.
 */
export function detectFormat(text: string): SourceId | null {
  const head = text.slice(0, 20_000);
  const t = head.trimStart();
  if (t.startsWith("[")) {
    if (/"lossType"\s*:/.test(head) || /"Lost"\s*:/.test(head)) return "defihacklabs-explorer";
    if (/"classification"\s*:/.test(head) || /"technique"\s*:/.test(head)) return "defillama";
    return null;
  }
  if (t.startsWith("{")) return /"estimatedLoss"\s*:/.test(text) ? "defi-hack-chronicle" : null;
  if (/^###\s*\d{8}/m.test(text)) return "defihacklabs";
  const html = /<(html|body|div|ol|ul|li)\b/i.test(head);
  if (html && /Hacked target/i.test(text)) return "slowmist";
  if (html && /leaderboard/i.test(head)) return "rekt";
  return null;
}

/** Parses a file in the format of `source`. */
export function parseAs(source: SourceId, text: string, name: string): ParseResult {
  switch (source) {
    case "defillama":
      return parseDefiLlama(text);
    case "defihacklabs":
      return parseDefiHackLabsReadme(text);
    case "defihacklabs-explorer":
      return parseExplorer(text);
    case "defi-hack-chronicle":
      return parseChronicle(text, name);
    case "rekt":
      return parseRektLeaderboard(text);
    case "slowmist":
      return parseSlowMist(text);
    case "kamiyo":
      return {
        records: [],
        issues: [{ source, at: name, message: "kamiyo findings are not imported from files" }],
      };
  }
}
