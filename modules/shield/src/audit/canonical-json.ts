import canonicalize from "canonicalize";

/**
 * RFC 8785 (JCS) canonical JSON of `value`: object members sorted by their names' UTF-16 code
 * units, no whitespace, numbers as ECMAScript writes them, strings minimally escaped. Through
 * `canonicalize`, the RFC author's JavaScript implementation.
 * @throws Error for what JSON cannot hold: NaN, ±Infinity, a lone surrogate, a cycle, undefined.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("canonical JSON: the value has no JSON form");
  return text;
}
