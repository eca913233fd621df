/** A price's billing interval, as in `recurring.interval`. */
export interface Cadence {
  interval: string;
  interval_count: number;
}

/**
 * The start of the `k`-th billing period after `anchor` (k = 0 is the anchor), epoch seconds.
 * Monthly and yearly periods fall on the anchor's day of the month and time of day (UTC); a day
 * the month lacks falls on its last day and later periods return to the anchor's day (an anchor
 * on 31 January bills on 28 or 29 February, then on 31 March), as Stripe's billing cycle does.
 * Daily and weekly periods are whole days.
 */
export function periodStart(anchor: number, cadence: Cadence, k: number): number {
  const n = cadence.interval_count * k;
  switch (cadence.interval) {
    case "day":
      return anchor + n * 86_400;
    case "week":
      return anchor + n * 7 * 86_400;
    case "year":
      return addMonths(anchor, 12 * n);
    default:
      return addMonths(anchor, n);
  }
}

/** `anchor` moved by `months` calendar months, clamped to the month's last day. */
export function addMonths(anchor: number, months: number): number {
  const a = new Date(anchor * 1000);
  const total = a.getUTCFullYear() * 12 + a.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const ms = Date.UTC(
    year,
    month,
    Math.min(a.getUTCDate(), lastDay),
    a.getUTCHours(),
    a.getUTCMinutes(),
    a.getUTCSeconds(),
  );
  return Math.floor(ms / 1000);
}

/** True when two cadences bill on the same cycle. */
export function sameCadence(a: Cadence, b: Cadence): boolean {
  return a.interval === b.interval && a.interval_count === b.interval_count;
}
