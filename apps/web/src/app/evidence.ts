import { num, pct, usdWhole, utc } from "./format.ts";

const UNITS: Record<string, string> = { Usd: "USD", Pct: "%", Bps: "bps", Px: "price", Oi: "OI" };

/** An evidence key as words: `notionalUsd` → "notional USD", `lastAt` → "last at". */
export function evidenceLabel(key: string): string {
  return key
    .split(/(?=[A-Z])/)
    .map((w) => UNITS[w] ?? w.toLowerCase())
    .join(" ");
}

/**
 * An evidence value written by what its key says it is (detectors name them so): `…At` epoch
 * milliseconds as a UTC time, `…Usd` dollars, `…Pct` percent, `…Bps` basis points; other numbers
 * with separators, booleans as yes/no, lists and objects as JSON.
 */
export function evidenceValue(key: string, value: unknown): string {
  if (typeof value === "number") {
    if (/At$/.test(key) && value > 1e11) return utc(new Date(value).toISOString());
    if (/Usd$/.test(key)) return usdWhole(value);
    if (/Pct$/.test(key)) return pct(value, 4);
    if (/Bps$/.test(key)) return `${num(value, 2)} bps`;
    return num(value, 8);
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
