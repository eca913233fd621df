import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** One key of a {@link SecretBox}'s ring: its id (named in every value it seals) and 32 bytes. */
export interface SecretKey {
  id: string;
  key: Buffer;
}

/** A sealed value's prefix: the format's version (a new format gets a new prefix). */
const PREFIX = "kmysec1";
/** Whether `id` can name a key of a ring: 1-32 letters, digits, _ or -. */
export const isSecretKeyId = (id: string): boolean => /^[A-Za-z0-9_-]{1,32}$/.test(id);
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Whether `value` has the form `SecretBox.seal` writes (stored values may predate sealing). */
export const isSealedSecret = (value: string): boolean => value.startsWith(`${PREFIX}:`);

/** Why a sealed value could not be opened. */
export class SecretBoxError extends Error {
  override readonly name = "SecretBoxError";
}

/**
 * Secrets stored encrypted at rest (a tenant's ad-platform credentials): AES-256-GCM under the
 * first key of a ring, each value sealed with a random 96-bit nonce and bound to its `context`
 * (the table, tenant and row it belongs to), so a sealed value copied to another row or tenant
 * does not open. Values sealed under an older key of the ring still open: rotating is putting a
 * new key first and keeping the old ones until nothing sealed under them is left.
 *
 * A sealed value reads `kmysec1:<key id>:<nonce>:<ciphertext and tag>` (base64url).
 */
export class SecretBox {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #current: SecretKey;

  /** @throws RangeError for an empty ring, a bad id, a key not of 32 bytes, an id twice. */
  constructor(keys: readonly SecretKey[]) {
    const first = keys[0];
    if (!first) throw new RangeError("secret keys: at least one key is needed");
    const byId = new Map<string, Buffer>();
    for (const k of keys) {
      if (!isSecretKeyId(k.id))
        throw new RangeError(`secret keys: key id "${k.id}" must be 1-32 letters, digits, _ or -`);
      if (k.key.length !== 32)
        throw new RangeError(
          `secret keys: key "${k.id}" has ${k.key.length} bytes, 32 are needed (AES-256)`,
        );
      if (byId.has(k.id)) throw new RangeError(`secret keys: key id "${k.id}" is given twice`);
      byId.set(k.id, Buffer.from(k.key));
    }
    this.#keys = byId;
    this.#current = { id: first.id, key: Buffer.from(first.key) };
  }

  /** A ring of one new random key (tests, a demo's temporary database). */
  static random(id = "k1"): SecretBox {
    return new SecretBox([{ id, key: randomBytes(32) }]);
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /** `plaintext` encrypted under the current key, bound to `context`. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#current.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [PREFIX, this.#current.id, iv.toString("base64url"), body.toString("base64url")].join(
      ":",
    );
  }

  /**
   * The plaintext of a value `seal` made with the same `context`.
   * @throws SecretBoxError when it is not a sealed value, its key is not in the ring, or it was
   *   changed or belongs to another context (GCM's tag does not verify).
   */
  open(sealed: string, context: string): string {
    const [prefix, keyId, iv, body, ...rest] = sealed.split(":");
    if (prefix !== PREFIX || !keyId || !iv || !body || rest.length > 0)
      throw new SecretBoxError("not a sealed secret");
    const key = this.#keys.get(keyId);
    if (!key)
      throw new SecretBoxError(
        `sealed with key "${keyId}", which is not among KAMIYO_SECRET_KEYS (${[...this.#keys.keys()].join(", ")})`,
      );
    const nonce = Buffer.from(iv, "base64url");
    const data = Buffer.from(body, "base64url");
    if (nonce.length !== IV_BYTES || data.length < TAG_BYTES)
      throw new SecretBoxError("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(data.subarray(0, data.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
    } catch {
      throw new SecretBoxError(
        "the sealed secret does not verify: it was changed, or belongs to another record",
      );
    }
  }

  /** Whether `sealed` was sealed under another key than the current one (to seal it again). */
  isStale(sealed: string): boolean {
    return sealed.split(":")[1] !== this.#current.id;
  }
}

/**
 * The keys of a ring written as `id:base64` entries, current first, separated by commas or lines
 * (`#` starts a comment line), as KAMIYO_SECRET_KEYS and its file hold them.
 * @throws RangeError naming the entry (its position) that is not `id:base64` of 32 bytes.
 */
export function parseSecretKeys(text: string): SecretKey[] {
  const entries = text
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .flatMap((line) => line.split(","))
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  return entries.map((entry, i) => {
    const m = /^([^:\s]+):([A-Za-z0-9+/_-]+={0,2})$/.exec(entry);
    if (!m)
      throw new RangeError(
        `secret keys: entry ${i + 1} is not "id:base64" (make one with \`kamiyo secrets new-key\`)`,
      );
    // Node's base64 decoder reads the URL-safe alphabet too.
    const key = Buffer.from(m[2] as string, "base64");
    if (key.length !== 32)
      throw new RangeError(
        `secret keys: entry ${i + 1} ("${m[1]}") decodes to ${key.length} bytes, 32 are needed`,
      );
    return { id: m[1] as string, key };
  });
}

/** A new key entry for a ring, `id:base64` of 32 random bytes. */
export function newSecretKeyEntry(id: string): string {
  if (!isSecretKeyId(id))
    throw new RangeError(`key id "${id}" must be 1-32 letters, digits, _ or -`);
  return `${id}:${randomBytes(32).toString("base64")}`;
}
