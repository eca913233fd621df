import type { SourceRecord } from "../types.ts";
import { protocolKey } from "./protocol-key.ts";

/** How far apart two reports of one incident may date it, days (sources disagree by a day or two). */
export const DATE_WINDOW_DAYS = 3;
/** How far apart two USD losses of one incident may be, relative to the larger. */
export const AMOUNT_TOLERANCE = 0.25;
/**
 * Sources date an incident by the attack or by its disclosure, up to about a week apart (Ronin:
 * attacked 23 Mar 2022, disclosed 29 Mar). With the same protocol and USD losses within
 * {@link CLOSE_AMOUNT}, reports this far apart are one incident.
 */
export const WIDE_DATE_WINDOW_DAYS = 10;
export const CLOSE_AMOUNT = 0.05;

const DAY_MS = 86_400_000;

export function daysApart(a: string, b: string): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / DAY_MS;
}

/** The date window for two reports of one protocol: wide when their USD losses nearly match. */
export function dateWindow(a: SourceRecord, b: SourceRecord): number {
  if (a.lossUsd !== null && b.lossUsd !== null && a.lossUsd > 0 && b.lossUsd > 0) {
    const hi = Math.max(a.lossUsd, b.lossUsd);
    if (Math.abs(a.lossUsd - b.lossUsd) / hi <= CLOSE_AMOUNT) return WIDE_DATE_WINDOW_DAYS;
  }
  return DATE_WINDOW_DAYS;
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
 * dated within {@link dateWindow}, with losses that agree.
 */
export function sameIncident(a: SourceRecord, b: SourceRecord): boolean {
  if (a.txHashes.some((h) => b.txHashes.includes(h))) return true;
  return (
    protocolKey(a.protocol) === protocolKey(b.protocol) &&
    daysApart(a.date, b.date) <= dateWindow(a, b) &&
    amountsAgree(a, b)
  );
}
