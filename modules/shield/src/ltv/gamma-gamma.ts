import gammaln from "@stdlib/math-base-special-gammaln";
import { type FitReport, maximiseInLogSpace } from "./fit-log-space.ts";

/**
 * Gamma-Gamma spend parameters (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
 * Value"): a purchase's value is Gamma(p, ν), ν ~ Gamma(q, v) across customers (v in currency
 * units; lifetimes' v, the note's γ).
 */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly v: number;
}

/** A fitted Gamma-Gamma model, its log-likelihood and how many repeat buyers it was fitted on. */
export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  /** Summed over the repeat buyers. */
  readonly logLikelihood: number;
  readonly customers: number;
  readonly report: FitReport;
}

/** Frequencies and mean repeat spends, one customer per index. */
export interface SpendColumns {
  readonly frequency: Float64Array;
  readonly monetaryValue: Float64Array;
}

/**
 * The log-likelihood of the repeat buyers of `data` (frequency > 0; the others carry no spend
 * information and are skipped) under `params`, summed: for x purchases of mean value m,
 * ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)
 * (the note's equation 3, as lifetimes).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendColumns): number {
  const { p, q, v } = params;
  const constant = -gammaln(q) + q * Math.log(v);
  let sum = 0;
  let lastX = Number.NaN;
  let perX = 0;
  for (let i = 0; i < data.frequency.length; i++) {
    const x = data.frequency[i] as number;
    if (x <= 0) continue;
    const m = data.monetaryValue[i] as number;
    // Sorted or not, consecutive customers often share a frequency: reuse its log-gammas.
    if (x !== lastX) {
      perX = gammaln(p * x + q) - gammaln(p * x) + p * x * Math.log(x);
      lastX = x;
    }
    sum += constant + perX + (p * x - 1) * Math.log(m) - (p * x + q) * Math.log(x * m + v);
  }
  return sum;
}

/**
 * Fits the Gamma-Gamma model by maximum likelihood on the repeat buyers of `data`
 * ({@link maximiseInLogSpace}; `l2Penalty` as lifetimes' `penalizer_coef`).
 * @throws Error when there is no repeat buyer, one has a mean spend ≤ 0, or the optimiser does
 * not converge.
 */
export function fitGammaGamma(
  data: SpendColumns,
  opts: { l2Penalty?: number } = {},
): GammaGammaFit {
  let customers = 0;
  for (let i = 0; i < data.frequency.length; i++) {
    if ((data.frequency[i] as number) <= 0) continue;
    customers++;
    if (!((data.monetaryValue[i] as number) > 0))
      throw new Error(
        `Gamma-Gamma: the customer at index ${i} has repeat purchases with a mean value ≤ 0`,
      );
  }
  if (customers === 0) throw new Error("Gamma-Gamma: no repeat buyer to fit the spend model on");
  const at = ([p = 0, q = 0, v = 0]: readonly number[]) => ({ p, q, v });
  const ll = (params: readonly number[]) => gammaGammaLogLikelihood(at(params), data);
  const { params, report } = maximiseInLogSpace("Gamma-Gamma", 3, customers, ll, opts.l2Penalty);
  return { params: at(params), logLikelihood: ll(params), customers, report };
}

/**
 * A fitted Gamma-Gamma model's prediction: a customer's expected mean spend per purchase given
 * x purchases of mean value m (the note's equation 5, lifetimes'
 * `conditional_expected_average_profit`), in the currency unit of m: a weighted mean of the
 * population mean pv/(q−1) and m, the weight of m being px/(px+q−1).
 */
export class GammaGammaModel {
  readonly params: GammaGammaParams;
  /** pv/(q−1): the expected spend per purchase of a customer with no repeat purchase. */
  readonly populationMean: number;

  /** @throws RangeError when q ≤ 1 (the population's mean spend is then infinite). */
  constructor(params: GammaGammaParams) {
    if (!(params.q > 1))
      throw new RangeError(`Gamma-Gamma: q ${params.q} ≤ 1 has no finite mean spend`);
    this.params = params;
    this.populationMean = (params.p * params.v) / (params.q - 1);
  }

  expectedAverageSpend(x: number, monetaryValue: number): number {
    const { p, q } = this.params;
    const w = (p * x) / (p * x + q - 1);
    return (1 - w) * this.populationMean + w * monetaryValue;
  }

  /** {@link expectedAverageSpend} of each customer of `c`, into `out` (returned). */
  expectedAverageSpendBatch(
    c: SpendColumns,
    out: Float64Array = new Float64Array(c.frequency.length),
  ): Float64Array {
    for (let i = 0; i < out.length; i++)
      out[i] = this.expectedAverageSpend(c.frequency[i] as number, c.monetaryValue[i] as number);
    return out;
  }
}
