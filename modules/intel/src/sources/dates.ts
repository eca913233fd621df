const DAY_S = 86_400;

/** Whether `YYYY-MM-DD` names a real calendar day (2023-02-30 does not). */
export function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** `YYYYMMDD` (DeFiHackLabs) as `YYYY-MM-DD`, or null when it is not a real calendar day. */
export function compactToIsoDay(value: string): string | null {
  if (!/^\d{8}$/.test(value)) return null;
  const iso = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
  return isIsoDay(iso) ? iso : null;
}

/**
 * The UTC day of a unix time in seconds, as `YYYY-MM-DD`; null for a non-integer, negative or
 * implausibly large value (milliseconds by mistake: anything after year 9999).
 */
export function unixSecondsToIsoDay(seconds: number): string | null {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds >= 253_402_300_800) return null;
  return new Date(Math.floor(seconds / DAY_S) * DAY_S * 1000).toISOString().slice(0, 10);
}
