import type { SourceRecord } from "../types.ts";
import { protocolKey } from "./protocol-key.ts";

/** How far apart two reports of one incident may date it, days (sources disagree by a day or two). */
export const DATE_WINDOW_DAYS = 3;
/** How far apart two USD losses of one incident may be, relative to the larger. */
export const AMOUNT_TOLERANCE = 0.25;

const DAY_MS = 86_400_000;

export function daysApart(a: string, b: string): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / DAY_MS;
}

/** Whether two stated losses can be the same loss: either unknown, or within the tolerance. */
export function amountsAgree(a: SourceRecord, b: SourceRecord): boolean {
  if (a.lossUsd !== null && b.lossUsd !== null) {
    const hi = Math.max(a.lossUsd, b.lossUsd);
    return hi === 0 || Math.abs(a.lossUsd - b.lossUsd) / hi <= AMOUNT_TOLERANCE;
  }
  if (a.original && b.original && a.original.unit.toUpperCase() === b.original.unit.toUpperCase()) {
    const hi = Math.max(a.original.amount, b.original.amount);
    return hi === 0 || Math.abs(a.original.amount - b.original.amount) / hi <= AMOUNT_TOLERANCE;
  }
  return true;
}

/**
 * The matching rule: the same transaction hash; or the same protocol (by {@link protocolKey}),
 * dated within {@link DATE_WINDOW_DAYS}, with losses that agree.
 */
export function sameIncident(a: SourceRecord, b: SourceRecord): boolean {
  if (a.txHashes.some((h) => b.txHashes.includes(h))) return true;
  return (
    protocolKey(a.protocol) === protocolKey(b.protocol) &&
    daysApart(a.date, b.date) <= DATE_WINDOW_DAYS &&
    amountsAgree(a, b)
  );
}
