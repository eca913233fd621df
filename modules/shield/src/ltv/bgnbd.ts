import gammaln from "@stdlib/math-base-special-gammaln";
import { type FitReport, maximiseInLogSpace } from "./fit-log-space.ts";
import type { RfmSummary } from "./rfm.ts";

/**
 * BG/NBD parameters (Fader, Hardie & Lee 2005): while alive a customer buys at a rate λ ~
 * Gamma(r, α) (α in the summary's time unit), and after each purchase drops out with
 * probability p ~ Beta(a, b).
 */
export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** A fitted BG/NBD model: its parameters and the log-likelihood they reach. */
export interface BgNbdFit {
  readonly params: BgNbdParams;
  /** The sum of the customers' log-likelihoods (what the paper and lifetimes' total report). */
  readonly logLikelihood: number;
  readonly customers: number;
  readonly report: FitReport;
}

/** The customers' distinct frequencies, and each customer's index among them. */
interface FrequencyGroups {
  readonly values: Float64Array;
  readonly of: Int32Array;
}

function frequencyGroups(frequency: Float64Array): FrequencyGroups {
  const index = new Map<number, number>();
  const of = new Int32Array(frequency.length);
  for (const [i, x] of frequency.entries()) {
    let k = index.get(x);
    if (k === undefined) {
      k = index.size;
      index.set(x, k);
    }
    of[i] = k;
  }
  return { values: Float64Array.from(index.keys()), of };
}

/**
 * The log-likelihood of `data` under `params`, summed over customers (equation 6 of the paper,
 * computed as in its appendix and lifetimes: ln(e^{A3} + [x>0] e^{A4}) by log-sum-exp). The
 * terms that depend on a customer's frequency only (the log-gammas) are computed once per
 * distinct frequency.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, data: RfmSummary): number {
  return logLikelihoodOf(frequencyGroups(data.frequency), data)(params);
}

function logLikelihoodOf(groups: FrequencyGroups, data: RfmSummary) {
  const { frequency, recency, T } = data;
  const perFrequency = new Float64Array(groups.values.length);
  const dropOut = new Float64Array(groups.values.length);
  return ({ r, alpha, a, b }: BgNbdParams): number => {
    const base = -gammaln(r) + r * Math.log(alpha) + gammaln(a + b) - gammaln(b);
    for (const [k, x] of groups.values.entries()) {
      perFrequency[k] = base + gammaln(r + x) + gammaln(b + x) - gammaln(a + b + x);
      dropOut[k] = x > 0 ? Math.log(a) - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    }
    let sum = 0;
    for (let i = 0; i < frequency.length; i++) {
      const x = frequency[i] as number;
      const k = groups.of[i] as number;
      const a3 = -(r + x) * Math.log(alpha + (T[i] as number));
      const a4 = (dropOut[k] as number) - (r + x) * Math.log(alpha + (recency[i] as number));
      const hi = Math.max(a3, a4);
      const mix = x > 0 ? hi + Math.log(Math.exp(a3 - hi) + Math.exp(a4 - hi)) : a3;
      sum += (perFrequency[k] as number) + mix;
    }
    return sum;
  };
}

/**
 * Fits BG/NBD to `data` by maximum likelihood ({@link maximiseInLogSpace}); `l2Penalty` is
 * lifetimes' `penalizer_coef` (default 0).
 * @throws Error when there are no customers or the optimiser does not converge.
 */
export function fitBgNbd(data: RfmSummary, opts: { l2Penalty?: number } = {}): BgNbdFit {
  const customers = data.frequency.length;
  if (customers === 0) throw new Error("BG/NBD: no customers to fit");
  const ll = logLikelihoodOf(frequencyGroups(data.frequency), data);
  const at = ([r = 0, alpha = 0, a = 0, b = 0]: readonly number[]) => ({ r, alpha, a, b });
  const { params, report } = maximiseInLogSpace(
    "BG/NBD",
    4,
    customers,
    (p) => ll(at(p)),
    opts.l2Penalty,
  );
  const fitted = at(params);
  return { params: fitted, logLikelihood: ll(fitted), customers, report };
}
