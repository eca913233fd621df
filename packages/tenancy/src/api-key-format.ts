import { hash, randomBytes } from "node:crypto";

/** `live` keys for production, `test` keys for test environments: the prefix tells them apart. */
export type KeyMode = "live" | "test";

/** `kmy_live_` or `kmy_test_` + 32 random bytes in base64url (43 characters). */
const KEY_SHAPE = /^kmy_(live|test)_[A-Za-z0-9_-]{43}$/;

/** Characters of a key shown in lists (`kmy_live_AbCd1234`): enough to tell keys apart, no more. */
const SHOWN = "kmy_live_".length + 8;

/** A new key. Shown once; only its hash is stored. */
export function newKey(mode: KeyMode): string {
  return `kmy_${mode}_${randomBytes(32).toString("base64url")}`;
}

/** True when `text` has the shape of a key this platform issues (checked before any lookup). */
export function looksLikeKey(text: string): boolean {
  return KEY_SHAPE.test(text);
}

/** The stored form of a key: its SHA-256. Keys are 256 random bits, so no slow hash is needed. */
export function keyHash(key: string): Buffer {
  return hash("sha256", key, "buffer");
}

/** The part of a key shown in lists and logs. */
export function keyPrefix(key: string): string {
  return key.slice(0, SHOWN);
}
