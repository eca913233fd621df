import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new API key: `kmy_` + 32 random bytes, base64url. Shown once; only its hash is configured. */
export function newApiKey(): string {
  return `kmy_${randomBytes(32).toString("base64url")}`;
}

/** The configured form of a key: `sha256:<hex>`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/** Checks presented keys against configured hashes in constant time per hash. */
export class ApiKeyVerifier {
  readonly #hashes: Buffer[];

  constructor(hashes: readonly string[]) {
    this.#hashes = hashes.map((h) => Buffer.from(h.slice("sha256:".length), "hex"));
  }

  get enabled(): boolean {
    return this.#hashes.length > 0;
  }

  /** @returns a short, log-safe id of the matching key (its hash prefix), or null. */
  verify(key: string): string | null {
    const digest = createHash("sha256").update(key).digest();
    let match: Buffer | null = null;
    // Compare with every hash so the time does not depend on which one matches.
    for (const h of this.#hashes) if (timingSafeEqual(digest, h)) match = h;
    return match ? `key_${match.toString("hex").slice(0, 12)}` : null;
  }
}
