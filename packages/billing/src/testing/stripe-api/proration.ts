import { formatDate } from "./format.ts";

/**
 * The part of `amount` for the time left in a period at `at`, to the nearest minor unit:
 * `amount × (periodEnd − at) / (periodEnd − periodStart)`, the time measured in seconds, as
 * Stripe prorates ("down to the second based on the starting timestamp of the billing period").
 * A credit is the negation of this for the old price.
 * @param amount minor units for the whole period (unit amount × quantity), ≥ 0.
 */
export function prorate(
  amount: number,
  periodStart: number,
  periodEnd: number,
  at: number,
): number {
  if (at <= periodStart) return amount;
  if (at >= periodEnd) return 0;
  return Math.round((amount * (periodEnd - at)) / (periodEnd - periodStart));
}

/** One side of a change to a subscription item, for proration. */
export interface ProratedSide {
  unitAmount: number;
  quantity: number;
  name: string;
}

/** A proration line: what an invoice item (or a preview's line) carries. */
export interface ProrationAmount {
  amount: number;
  description: string;
  credit: boolean;
}

/**
 * The two prorations of changing an item from `from` to `to` (either may be absent: an item added
 * or removed) at `at` within the period `[start, end)`: "Unused time on <old> after <date>"
 * (negative) and "Remaining time on <new> after <date>", as Stripe words them.
 */
export function prorations(
  from: ProratedSide | null,
  to: ProratedSide | null,
  period: { start: number; end: number },
  at: number,
): ProrationAmount[] {
  const out: ProrationAmount[] = [];
  const date = formatDate(at);
  if (from !== null) {
    const amount = prorate(from.unitAmount * from.quantity, period.start, period.end, at);
    out.push({
      amount: amount === 0 ? 0 : -amount,
      description: `Unused time on ${label(from)} after ${date}`,
      credit: true,
    });
  }
  if (to !== null) {
    out.push({
      amount: prorate(to.unitAmount * to.quantity, period.start, period.end, at),
      description: `Remaining time on ${label(to)} after ${date}`,
      credit: false,
    });
  }
  return out;
}

function label(side: ProratedSide): string {
  return side.quantity === 1 ? side.name : `${side.quantity} × ${side.name}`;
}
