/** "$306.8M", "$4.0M", "$512.3k", "$950": compact USD for titles. */
export function usd(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? "-" : "";
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${sign}$${(a / 1e3).toFixed(1)}k`;
  return `${sign}$${a.toFixed(0)}`;
}

/** A price with sensible precision: 1,915.30 / 0.0095 / 0.000231. */
export function price(n: number): string {
  if (n >= 1000) return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
  if (n >= 1) return n.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
  return n.toPrecision(4);
}

/** A signed size in base units with thousands separators. */
export function amount(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: n >= 100 ? 0 : 4 });
}

/** Rounds a number for evidence (keeps JSON compact and stable). */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Percent with two decimals, e.g. 0.5312 -> "0.53%". */
export function pct(n: number): string {
  return `${n.toFixed(2)}%`;
}
