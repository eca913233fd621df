import type { CustomerRfm, RfmSummary } from "./rfm.ts";
import { rfmSummary } from "./rfm.ts";

/** One purchase: who, when (epoch ms; its UTC calendar day is what counts), and its value. */
export interface Transaction {
  readonly customerId: string;
  readonly at: number;
  /** In currency units; absent when the data has no amounts. */
  readonly amount?: number;
}

/** The summary's time unit, in days. */
export const TIME_UNITS = { day: 1, week: 7 } as const;
export type TimeUnit = keyof typeof TIME_UNITS;
/** Each time unit's count in a month, as lifetimes' `freq` factors (52.14 weeks / 12). */
export const UNITS_PER_MONTH: Readonly<Record<TimeUnit, number>> = { day: 30, week: 4.345 };

const DAY_MS = 86_400_000;

/**
 * Summarises transactions as lifetimes' `summary_data_from_transaction_data` does with
 * `freq="D"`: purchase periods are UTC calendar days (purchases on one day are one purchase, their
 * amounts summed); frequency counts the days with a purchase after the first; recency and T run
 * from the first day to the last and to the end of observation, in days divided by the unit's
 * days (`week`: days / 7, as Fader and Hardie's CDNOW summary). Transactions after the day of
 * `observationEnd` (default: the last transaction's) are left out. The monetary value is the mean
 * of the repeat days' totals (the first day's excluded, 0 without repeats), kept when every
 * transaction has an amount. Customers come in the order of their first transaction in the input.
 * @throws RangeError for no transactions, or none on or before the end of observation.
 */
export function summaryFromTransactions(
  transactions: readonly Transaction[],
  opts: { unit: TimeUnit; observationEnd?: number },
): RfmSummary {
  if (transactions.length === 0) throw new RangeError("no transactions");
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const t of transactions) lastAt = Math.max(lastAt, t.at);
  const endDay = Math.floor((opts.observationEnd ?? lastAt) / DAY_MS);
  const withAmounts = transactions.every((t) => t.amount !== undefined);
  const days = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    const day = Math.floor(t.at / DAY_MS);
    if (day > endDay) continue;
    let own = days.get(t.customerId);
    if (!own) {
      own = new Map();
      days.set(t.customerId, own);
    }
    own.set(day, (own.get(day) ?? 0) + (t.amount ?? 0));
  }
  if (days.size === 0) throw new RangeError("no transactions on or before the end of observation");
  const unitDays = TIME_UNITS[opts.unit];
  const customers = [...days].map(([id, own]): CustomerRfm => {
    const sorted = [...own.keys()].sort((a, b) => a - b);
    const first = sorted[0] as number;
    const last = sorted.at(-1) as number;
    const repeats = sorted.length - 1;
    let repeatValue = 0;
    for (const day of sorted.slice(1)) repeatValue += own.get(day) ?? 0;
    return {
      id,
      frequency: repeats,
      recency: (last - first) / unitDays,
      T: (endDay - first) / unitDays,
      ...(withAmounts ? { monetaryValue: repeats > 0 ? repeatValue / repeats : 0 } : {}),
    };
  });
  return rfmSummary(customers, withAmounts);
}
