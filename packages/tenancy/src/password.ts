import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { AppError } from "@kamiyo/core";

/**
 * scrypt's cost: N = 2^15, r = 8, p = 3, one of OWASP's equivalent settings for scrypt (32 MiB of
 * memory per hash, 0.1 to 0.3 s of one thread). Stored in every hash, so raising it later leaves
 * existing hashes verifiable.
 */
const COST = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** At least 128·N·r bytes; Node's default (32 MiB) is just too small for N = 2^15, r = 8. */
const MAX_MEM = 64 * 1024 * 1024;

/** The shortest password taken, in characters. */
export const MIN_PASSWORD_LENGTH = 12;
/** The longest: long enough for any passphrase, short enough to bound the work of hashing. */
export const MAX_PASSWORD_LENGTH = 256;

/** `scrypt$ln=15,r=8,p=3$<salt>$<hash>`, salt and hash in unpadded base64. */
const HASH_SHAPE =
  /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, cost: ScryptOptions, bytes: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, bytes, { ...cost, maxmem: MAX_MEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const b64 = (b: Buffer) => b.toString("base64").replace(/=+$/, "");

/** A new hash of `password` with a random salt, its parameters in the string. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, KEY_BYTES);
  return `scrypt$ln=${Math.log2(COST.N)},r=${COST.r},p=${COST.p}$${b64(salt)}$${b64(key)}`;
}

/**
 * True when `password` is the one `hash` was made from; compared in constant time. A malformed
 * hash is false (never thrown), so a damaged row cannot tell an attacker anything a wrong password
 * would not.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const m = HASH_SHAPE.exec(hash);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 20 || r < 1 || p < 1) return false;
  const expected = Buffer.from(m[5] as string, "base64");
  const key = await derive(
    password,
    Buffer.from(m[4] as string, "base64"),
    { N: 2 ** ln, r, p },
    expected.length,
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * What sign-in verifies when the address is unknown or has no password: a hash with the same
 * parameters, so every refusal costs the same time and none says whether the address exists.
 */
export const DUMMY_PASSWORD_HASH =
  "scrypt$ln=15,r=8,p=3$c2lnbi1pbi1kdW1teS1zYWx0$o2p9I3tD7uVpHExRLLLIkVNEQzGOqUsGZkMZ7lIL/wM";

/** Passwords people pick first, at least 12 characters long (shorter ones fail on length). */
const COMMON = new Set([
  "password1234",
  "password12345",
  "password123456",
  "passwordpassword",
  "123456789012",
  "1234567890123",
  "12345678901234",
  "123123123123",
  "111111111111",
  "000000000000",
  "qwertyuiopas",
  "qwerty123456",
  "qwertyqwerty",
  "1q2w3e4r5t6y",
  "1qaz2wsx3edc",
  "abcdefghijkl",
  "abcd12345678",
  "iloveyou1234",
  "letmein12345",
  "welcome12345",
  "changeme1234",
  "admin1234567",
  "administrator",
  "trustno1trustno1",
  "correcthorsebatterystaple",
]);

/**
 * Refuses a password that is too short, too long, one character repeated, a well-known one, or
 * built from the person's address or the product's name.
 * @throws AppError("invalid_input") naming what is wrong (never echoing the password).
 */
export function checkPassword(password: string, context: { email?: string } = {}): void {
  const p = password.normalize("NFC");
  const length = [...p].length;
  const bad = (why: string) => {
    throw new AppError("invalid_input", `the password ${why}`);
  };
  if (length < MIN_PASSWORD_LENGTH)
    bad(`is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a few words work well)`);
  if (length > MAX_PASSWORD_LENGTH) bad(`is too long: at most ${MAX_PASSWORD_LENGTH} characters`);
  const lower = p.toLowerCase();
  if (new Set(lower).size < 5) bad("repeats too few characters: use at least 5 different ones");
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[^a-z0-9]/g, "")))
    bad("is one of the most common passwords: choose another");
  const email = context.email?.toLowerCase();
  const local = email?.split("@")[0];
  const fromEmail =
    email && (lower.includes(email) || (local && local.length >= 4 && lower.includes(local)));
  if (fromEmail || lower.includes("kamiyo"))
    bad("contains your email address or the product's name: choose another");
}
