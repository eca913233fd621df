export { round, usd } from "@kamiyo/core";

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

/** Percent with two decimals, e.g. 0.5312 -> "0.53%". */
export function pct(n: number): string {
  return `${n.toFixed(2)}%`;
}
