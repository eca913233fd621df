import type { Cadence } from "./billing-cycle.ts";

const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "pyg",
  "vnd",
  "xaf",
]);
const SYMBOLS: Record<string, string> = { usd: "$", eur: "€", gbp: "£", jpy: "¥", cad: "CA$" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** An amount in minor units as invoices print it: `$20.00`, `€9.50`, `¥500`. */
export function formatMoney(minor: number, currency: string): string {
  const zero = ZERO_DECIMAL.has(currency);
  const value = zero ? String(minor) : (minor / 100).toFixed(2);
  const symbol = SYMBOLS[currency];
  return symbol === undefined ? `${currency.toUpperCase()} ${value}` : `${symbol}${value}`;
}

/** A date as Stripe's proration descriptions print it: `03 Mar 2017` (UTC). */
export function formatDate(seconds: number): string {
  const d = new Date(seconds * 1000);
  const day = String(d.getUTCDate()).padStart(2, "0");
  return `${day} ${MONTHS[d.getUTCMonth()] ?? ""} ${d.getUTCFullYear()}`;
}

/** `(at $20.00 / month)` or `(at $60.00 every 3 months)`. */
export function atPrice(unitAmount: number, currency: string, cadence: Cadence | null): string {
  const money = formatMoney(unitAmount, currency);
  if (cadence === null) return `(at ${money})`;
  if (cadence.interval_count === 1) return `(at ${money} / ${cadence.interval})`;
  return `(at ${money} every ${cadence.interval_count} ${cadence.interval}s)`;
}

/** `2 × Pro` (Stripe's quantity prefix, always shown on subscription lines). */
export function times(quantity: number, name: string): string {
  return `${quantity} × ${name}`;
}
