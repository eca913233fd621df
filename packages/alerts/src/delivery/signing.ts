import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks v1 signatures (symmetric): HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * keyed by the base64-decoded part of a `whsec_` secret, sent as `v1,<base64>`.
 */

const PREFIX = "whsec_";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `${PREFIX}${randomBytes(32).toString("base64")}`;
}

/** The key of a secret, or null when it is not `whsec_` + padded base64 of 24–64 bytes. */
function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(PREFIX)) return null;
  const text = secret.slice(PREFIX.length);
  if (text.length === 0 || !BASE64.test(text)) return null;
  const key = Buffer.from(text, "base64");
  return key.length >= 24 && key.length <= 64 ? key : null;
}

/** Whether `s` is a valid signing secret: `whsec_` + base64 decoding to 24–64 bytes. */
export function isSecret(s: string): boolean {
  return secretKey(s) !== null;
}

function hmac(key: Buffer, msgId: string, timestampSec: number, body: string): Buffer {
  return createHmac("sha256", key).update(`${msgId}.${timestampSec}.${body}`).digest();
}

/**
 * The `v1,<base64>` signature of one message. `msgId` must not contain a dot.
 * @throws TypeError when `secret` is not a valid secret (see {@link isSecret}).
 */
export function sign(secret: string, msgId: string, timestampSec: number, body: string): string {
  const key = secretKey(secret);
  if (!key) throw new TypeError("invalid webhook signing secret");
  return `v1,${hmac(key, msgId, timestampSec, body).toString("base64")}`;
}

/**
 * The `webhook-signature` value: one signature per secret, space-separated, so that during a
 * rotation receivers holding either the current or the previous secret accept the message.
 * @throws TypeError when a secret is invalid.
 */
export function signatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  return secrets.map((s) => sign(s, msgId, timestampSec, body)).join(" ");
}

/** The Standard Webhooks headers of a message, as received. */
export interface SignedHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/**
 * Checks a message as a receiver would: the timestamp within `toleranceSec` of `nowSec`, and any
 * `v1,` signature in the header matching (compared in constant time). Invalid input is false.
 */
export function verify(
  secret: string,
  headers: SignedHeaders,
  body: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const key = secretKey(secret);
  if (!key || !/^\d{1,15}$/.test(headers.timestamp)) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmac(key, headers.id, timestamp, body).toString("base64"));
  let match = false;
  for (const token of headers.signature.split(" ")) {
    if (!token.startsWith("v1,")) continue;
    const given = Buffer.from(token.slice(3));
    if (given.length === expected.length && timingSafeEqual(given, expected)) match = true;
  }
  return match;
}

/**
 * The headers of a signed delivery: `webhook-id`, `webhook-timestamp`, `webhook-signature` and
 * `content-type: application/json`.
 * @throws TypeError when a secret is invalid.
 */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(timestampSec),
    "webhook-signature": signatureHeader(secrets, msgId, timestampSec, body),
    "content-type": "application/json",
  };
}
