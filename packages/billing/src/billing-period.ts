/**
 * The billing period containing `nowMs` for a subscription anchored at `anchorMs`: monthly, on the
 * anchor's day of the month and time of day (UTC); a day the month lacks falls on its last day,
 * and the next period returns to the anchor's day (an anchor on 31 January bills on 28 or 29
 * February, then on 31 March), as Stripe's billing cycle anchor does.
 * @returns the period's start (inclusive) and end (exclusive), epoch ms.
 */
export function billingPeriod(anchorMs: number, nowMs: number): { start: number; end: number } {
  const anchor = new Date(anchorMs);
  const months = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  let k = Math.max(0, months(new Date(nowMs)) - months(anchor));
  while (k > 0 && nthPeriodStart(anchor, k) > nowMs) k--;
  while (nthPeriodStart(anchor, k + 1) <= nowMs) k++;
  return { start: nthPeriodStart(anchor, k), end: nthPeriodStart(anchor, k + 1) };
}

/** The start of the k-th period after the anchor (k = 0 is the anchor itself). */
function nthPeriodStart(anchor: Date, k: number): number {
  const total = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + k;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(anchor.getUTCDate(), lastDay),
    anchor.getUTCHours(),
    anchor.getUTCMinutes(),
    anchor.getUTCSeconds(),
    anchor.getUTCMilliseconds(),
  );
}
