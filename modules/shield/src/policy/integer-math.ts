const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * ⌊a × b ÷ c⌋ exactly, for safe integers a, b ≥ 0 and c > 0: in doubles while a × b is a safe
 * integer (then the quotient's rounding cannot cross an integer), through BigInt beyond.
 */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= MAX_SAFE) return Math.floor(p / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

/** Whether a × b < c × d exactly, for safe integers ≥ 0 (BigInt only past 2^53). */
export function productLess(a: number, b: number, c: number, d: number): boolean {
  const x = a * b;
  const y = c * d;
  if (x <= MAX_SAFE && y <= MAX_SAFE) return x < y;
  return BigInt(a) * BigInt(b) < BigInt(c) * BigInt(d);
}
