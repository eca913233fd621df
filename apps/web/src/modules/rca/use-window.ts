import { utc } from "../../app/format.ts";

const MIN = 60_000;

/** The windows the RCA pages look back over, "now" being when each request is made. */
export const WINDOWS = [
  { id: "15m", label: "last 15 minutes", ms: 15 * MIN },
  { id: "1h", label: "last hour", ms: 60 * MIN },
  { id: "6h", label: "last 6 hours", ms: 6 * 60 * MIN },
  { id: "24h", label: "last 24 hours", ms: 24 * 60 * MIN },
  { id: "7d", label: "last 7 days", ms: 7 * 24 * 60 * MIN },
] as const;
export type WindowId = (typeof WINDOWS)[number]["id"];

/** `[now − ms, now)` as the API's `from` and `to`. */
export function windowParams(ms: number, now = Date.now()): { from: string; to: string } {
  return { from: new Date(now - ms).toISOString(), to: new Date(now).toISOString() };
}

/** The window of a query as a table says it: `2026-05-01 14:03 to 14:18 UTC`. */
export function windowText(from: string, to: string): string {
  const a = utc(from).replace(" UTC", "").slice(0, 16);
  const b = utc(to).replace(" UTC", "");
  return `${a} to ${from.slice(0, 10) === to.slice(0, 10) ? b.slice(11, 16) : b.slice(0, 16)} UTC`;
}

/** When something was seen, first to last: `2026-05-01 14:03:09 UTC`, or `… 14:03:09 to 14:07:35 UTC`. */
export function spanText(first: string, last: string): string {
  if (first === last) return utc(first);
  const a = utc(first).replace(" UTC", "");
  const b = utc(last);
  return `${a} to ${first.slice(0, 10) === last.slice(0, 10) ? b.slice(11) : b}`;
}
