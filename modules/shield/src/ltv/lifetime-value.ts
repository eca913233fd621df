import { type BgNbdModel, eachCustomer, type RfmColumns } from "./bgnbd-model.ts";
import type { GammaGammaModel, SpendColumns } from "./gamma-gamma.ts";

/** The horizon and discounting of {@link LifetimeValue}. */
export interface LifetimeValueOptions {
  /** Months summed (lifetimes' `time`; default 12). */
  readonly months?: number;
  /** Discount rate per month (default 0.01, about 12.7 % a year). */
  readonly monthlyDiscountRate?: number;
  /**
   * The models' time units in a month, as lifetimes' `freq` factors: 30 when recency and T are in
   * days, 4.345 in weeks (52.14 weeks / 12), 1 in months. No default: it is the data's unit.
   */
  readonly unitsPerMonth: number;
}

/**
 * Customer lifetime value as lifetimes' `customer_lifetime_value`: over months i = 1…n, the
 * expected repeat purchases in month i (BG/NBD, E[Y(i·u)] − E[Y((i−1)·u)] for u units a month)
 * times the expected spend per purchase (Gamma-Gamma), discounted by (1 + d)^i. In the currency
 * unit of the monetary values: a model's prediction (a float), not an amount billed.
 */
export class LifetimeValue {
  readonly #bgNbd: BgNbdModel;
  readonly #spend: GammaGammaModel;
  readonly #unitsPerMonth: number;
  /** 1 / (1 + d)^i for i = 1…months. */
  readonly #discount: Float64Array;

  /** @throws RangeError for a horizon, rate or unit that is not a positive number. */
  constructor(bgNbd: BgNbdModel, spend: GammaGammaModel, opts: LifetimeValueOptions) {
    const months = opts.months ?? 12;
    const rate = opts.monthlyDiscountRate ?? 0.01;
    if (!Number.isInteger(months) || months < 1)
      throw new RangeError(`months: expected a whole number ≥ 1, got ${months}`);
    if (!(rate > -1) || !Number.isFinite(rate))
      throw new RangeError(`monthlyDiscountRate: expected a number > −1, got ${rate}`);
    if (!(opts.unitsPerMonth > 0) || !Number.isFinite(opts.unitsPerMonth))
      throw new RangeError(`unitsPerMonth: expected a number > 0, got ${opts.unitsPerMonth}`);
    this.#bgNbd = bgNbd;
    this.#spend = spend;
    this.#unitsPerMonth = opts.unitsPerMonth;
    this.#discount = Float64Array.from({ length: months }, (_, i) => (1 + rate) ** -(i + 1));
  }

  /** One customer's lifetime value; `monetaryValue` is the mean of its repeat purchases. */
  of(x: number, recency: number, T: number, monetaryValue: number): number {
    const spend = this.#spend.expectedAverageSpend(x, monetaryValue);
    // E[Y(t)] = P(alive) · (a+b+x−1)/(a−1) · shortfall(t): the factor outside the sum, once.
    const bg = this.#bgNbd;
    const { a, b } = bg.params;
    const scale = (bg.probabilityAlive(x, recency, T) * (a + b + x - 1)) / (a - 1);
    let value = 0;
    let before = 0;
    for (let i = 0; i < this.#discount.length; i++) {
      const upTo = bg.purchaseShortfall((i + 1) * this.#unitsPerMonth, x, T);
      value += (upTo - before) * (this.#discount[i] as number);
      before = upTo;
    }
    return spend * scale * value;
  }

  /** {@link of} each customer of `c`, into `out` (returned). */
  batch(
    c: RfmColumns & SpendColumns,
    out: Float64Array = new Float64Array(c.frequency.length),
  ): Float64Array {
    const m = c.monetaryValue;
    return eachCustomer(c, out, (x, recency, T, i) => this.of(x, recency, T, m[i] as number));
  }
}
