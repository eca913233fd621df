import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import type { BgNbdParams } from "./bgnbd.ts";

/** Customers' frequency, recency and T in columns (an {@link RfmSummary} will do). */
export interface RfmColumns {
  readonly frequency: Float64Array;
  readonly recency: Float64Array;
  readonly T: Float64Array;
}

/**
 * A fitted BG/NBD model's predictions for one customer or a batch: P(alive) and the expected
 * number of repeat purchases in a horizon, conditional on the customer's frequency x, recency
 * t_x and age T (in the time unit of the fit, as is the horizon). The per-model constants are
 * computed once here, and the batch forms write into a `Float64Array` without allocating per
 * customer.
 */
export class BgNbdModel {
  readonly params: BgNbdParams;
  /** a + b − 1 − r and a − 1: the Euler-transformed 2F1's upper parameters (below). */
  readonly #p: number;
  readonly #q: number;

  constructor(params: BgNbdParams) {
    this.params = params;
    this.#p = params.a + params.b - 1 - params.r;
    this.#q = params.a - 1;
  }

  /**
   * P(alive | x, t_x, T) (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD
   * model"): 1 without repeat purchases (a customer can only drop out after a purchase), else
   * 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^{r+x}).
   */
  probabilityAlive(x: number, recency: number, T: number): number {
    if (x === 0) return 1;
    const { r, alpha, a, b } = this.params;
    return 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + recency)) ** (r + x));
  }

  /**
   * E[Y(t) | x, t_x, T]: the expected repeat purchases in the next `t` time units (equation 10
   * of the paper, as lifetimes' `conditional_expected_number_of_purchases_up_to_time`):
   * P(alive) · (a+b+x−1)/(a−1) · (1 − ((α+T)/(α+T+t))^{r+x} · 2F1(r+x, b+x; a+b+x−1; z)),
   * z = t/(α+T+t). The 2F1 is taken through Euler's transformation, 2F1(A,B;C;z) =
   * (1−z)^{C−A−B} 2F1(C−A, C−B; C; z), which here makes the product
   * (1−z)^{a−1} · 2F1(a+b−1−r, a−1; a+b+x−1; z): upper parameters the same for every customer,
   * no overflow for large x or t, and about twice as fast. Undefined (NaN) at a = 1, as the formula.
   */
  expectedPurchases(t: number, x: number, recency: number, T: number): number {
    if (t === 0) return 0;
    const { a, b } = this.params;
    return (
      (this.probabilityAlive(x, recency, T) * (a + b + x - 1) * this.purchaseShortfall(t, x, T)) /
      this.#q
    );
  }

  /**
   * The part of {@link expectedPurchases} that depends on the horizon:
   * 1 − ((α+T)/(α+T+t))^{a−1} · 2F1(a+b−1−r, a−1; a+b+x−1; t/(α+T+t)), so that
   * E[Y(t)] = P(alive) · (a+b+x−1)/(a−1) · this. Lifetime value takes it at each month's end and
   * P(alive) once.
   */
  purchaseShortfall(t: number, x: number, T: number): number {
    const { alpha, a, b } = this.params;
    const rest = (alpha + T) / (alpha + T + t);
    return 1 - rest ** this.#q * gauss2f1(this.#p, this.#q, a + b + x - 1, 1 - rest);
  }

  /** {@link probabilityAlive} of each customer of `c`, into `out` (returned). */
  probabilityAliveBatch(
    c: RfmColumns,
    out: Float64Array = new Float64Array(c.frequency.length),
  ): Float64Array {
    return eachCustomer(c, out, (x, recency, T) => this.probabilityAlive(x, recency, T));
  }

  /** {@link expectedPurchases} in the next `t` of each customer of `c`, into `out` (returned). */
  expectedPurchasesBatch(
    t: number,
    c: RfmColumns,
    out: Float64Array = new Float64Array(c.frequency.length),
  ): Float64Array {
    return eachCustomer(c, out, (x, recency, T) => this.expectedPurchases(t, x, recency, T));
  }
}

/** Below this z the power series converges in at most about 130 terms; above, Cephes' 2F1. */
const SERIES_BELOW = 0.75;
const MAX_TERMS = 300;

/**
 * The Gauss hypergeometric 2F1(p, q; c; z) for 0 ≤ z < 1, c > 0: its power series
 * Σ (p)_n (q)_n / ((c)_n n!) z^n summed to double precision where it converges quickly (two to
 * four times faster than the general routine there, the same to the last digit), else
 * `@stdlib`'s port of Cephes' `hyp2f1` (scipy's), which transforms z near 1.
 */
export function gauss2f1(p: number, q: number, c: number, z: number): number {
  if (z < SERIES_BELOW) {
    let term = 1;
    let sum = 1;
    for (let n = 0; n < MAX_TERMS; n++) {
      term *= (((p + n) * (q + n)) / ((c + n) * (n + 1))) * z;
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return sum;
    }
  }
  return hyp2f1(p, q, c, z);
}

/** `out[i] = f(x, t_x, T, i)` of customer i of `c`, for every i of `out`; returns `out`. */
export function eachCustomer(
  c: RfmColumns,
  out: Float64Array,
  f: (x: number, recency: number, T: number, i: number) => number,
): Float64Array {
  for (let i = 0; i < out.length; i++)
    out[i] = f(c.frequency[i] as number, c.recency[i] as number, c.T[i] as number, i);
  return out;
}
