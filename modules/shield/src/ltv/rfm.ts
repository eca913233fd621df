/**
 * A cohort's repeat-purchase summary, one customer per index, in columns (what the fits and the
 * batch predictions read). Times are in one unit of the caller's choosing (weeks for CDNOW), the
 * unit of every horizon asked of the models fitted on it.
 */
export interface RfmSummary {
  readonly ids: readonly string[];
  /** Repeat purchases: purchase periods after the first (lifetimes' `frequency`, the papers' x). */
  readonly frequency: Float64Array;
  /** Age at the last purchase: from the first purchase to the last (t_x; 0 without repeats). */
  readonly recency: Float64Array;
  /** Age at the end of observation: from the first purchase to the end (T). */
  readonly T: Float64Array;
  /**
   * The mean value of the repeat purchases, in currency units (0 without repeats): a model input,
   * not an amount billed. Absent when the data has no amounts.
   */
  readonly monetaryValue?: Float64Array;
}

/** One customer's summary, as {@link RfmSummary} holds it in columns. */
export interface CustomerRfm {
  readonly id: string;
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  readonly monetaryValue?: number;
}

/**
 * What is wrong with one customer's summary, or undefined: frequency a whole number ≥ 0,
 * 0 ≤ recency ≤ T, recency 0 without repeats; a monetary value ≥ 0, and > 0 with repeats
 * (the Gamma-Gamma model takes its logarithm).
 */
export function rfmProblem(c: Omit<CustomerRfm, "id">): string | undefined {
  if (!Number.isInteger(c.frequency) || c.frequency < 0)
    return `frequency: expected a whole number ≥ 0, got ${c.frequency}`;
  if (!(c.T >= 0) || !Number.isFinite(c.T)) return `T: expected a number ≥ 0, got ${c.T}`;
  if (!(c.recency >= 0)) return `recency: expected a number ≥ 0, got ${c.recency}`;
  if (c.recency > c.T) return `recency ${c.recency} is after T ${c.T}`;
  if (c.frequency === 0 && c.recency !== 0)
    return `recency ${c.recency} with no repeat purchase (expected 0)`;
  if (c.monetaryValue !== undefined) {
    if (!(c.monetaryValue >= 0) || !Number.isFinite(c.monetaryValue))
      return `monetary value: expected a number ≥ 0, got ${c.monetaryValue}`;
    if (c.frequency > 0 && c.monetaryValue === 0)
      return "monetary value 0 with repeat purchases (the mean of their values must be > 0)";
  }
  return undefined;
}

/**
 * Customers' summaries in columns. `withMonetary` keeps their monetary values (each must have
 * one).
 * @throws RangeError naming the first customer {@link rfmProblem} refuses.
 */
export function rfmSummary(customers: readonly CustomerRfm[], withMonetary: boolean): RfmSummary {
  const n = customers.length;
  const frequency = new Float64Array(n);
  const recency = new Float64Array(n);
  const T = new Float64Array(n);
  const monetaryValue = withMonetary ? new Float64Array(n) : undefined;
  for (const [i, c] of customers.entries()) {
    if (withMonetary && c.monetaryValue === undefined)
      throw new RangeError(`customer ${c.id}: no monetary value`);
    const problem = rfmProblem(c);
    if (problem) throw new RangeError(`customer ${c.id}: ${problem}`);
    frequency[i] = c.frequency;
    recency[i] = c.recency;
    T[i] = c.T;
    if (monetaryValue) monetaryValue[i] = c.monetaryValue ?? 0;
  }
  const ids = customers.map((c) => c.id);
  return monetaryValue
    ? { ids, frequency, recency, T, monetaryValue }
    : { ids, frequency, recency, T };
}
