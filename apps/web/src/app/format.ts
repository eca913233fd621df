/** How the dashboard writes numbers and times: one way each. */

const usdCompact = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 2,
});
const usdFull = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 0,
});

/** $1.23M; "–" for null. */
export const usd = (n: number | null | undefined): string =>
  n === null || n === undefined ? "–" : usdCompact.format(n);

/** $1,234,567 (whole dollars); "–" for null. */
export const usdWhole = (n: number | null | undefined): string =>
  n === null || n === undefined ? "–" : usdFull.format(n);

/** Integer cents as dollars: $1,234.50. */
export const cents = (n: number): string =>
  `$${(n / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Integer micros (a millionth of the currency unit) as dollars and cents: $1,234.50. */
export const micros = (n: number | string): string => cents(Math.round(Number(n) / 10_000));

/** 1.23 %; "–" for null. */
export const pct = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined ? "–" : `${n.toFixed(digits)} %`;

/** A number with up to `digits` decimals and thousands separators. */
export const num = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined
    ? "–"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** "2025-10-10 21:16:04 UTC" from an ISO time (the API's times are UTC; so are the dashboard's). */
export const utc = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 19).replace("T", " ")} UTC` : "–";
