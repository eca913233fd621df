import { armaStateSpace } from "./kalman.ts";
import { normalCriticalValue } from "./normal.ts";

/** Point forecasts with standard errors and a central interval, one entry per step ahead. */
export interface Forecast {
  readonly mean: number[];
  readonly se: number[];
  readonly lower: number[];
  readonly upper: number[];
  /** Probability of the central interval [lower, upper] (e.g. 0.95). */
  readonly level: number;
}

/** What {@link integratedForecast} needs: the fitted model and its filtered end state. */
export interface ForecastInput {
  readonly ar: readonly number[];
  readonly ma: readonly number[];
  /** Mean of the d-times differenced series (constant or drift; 0 without trend). */
  readonly mean: number;
  readonly sigma2: number;
  /** `[y_n, Δy_n, …, Δ^{d−1}y_n]`; its length is d. */
  readonly levels: readonly number[];
  /** Predicted ARMA state a_{n+1|n} of the de-meaned differenced series. */
  readonly stateMean: ArrayLike<number>;
  /** Its covariance in units of σ² (row-major r×r). */
  readonly stateCov: ArrayLike<number>;
}

/**
 * Forecasts `h` steps by running the state-space prediction step on the ARIMA form whose
 * first d states hold the last levels `Δ^k y` (known exactly) and the rest the ARMA state: the
 * means and variances are those of the levels, integrated back through the differencing.
 * Intervals are mean ± z·se with z the normal critical value for `level`.
 */
export function integratedForecast(input: ForecastInput, h: number, level: number): Forecast {
  const z = normalCriticalValue(level);
  const { T, R, r } = armaStateSpace(input.ar, input.ma);
  const d = input.levels.length;
  const k = d + r;
  // Full transition: D_j(t) = Σ_{i≥j, i<d} D_i(t−1) + w_t, w_t = μ + α_t[0].
  const tf = new Float64Array(k * k);
  for (let j = 0; j < d; j++) {
    for (let i = j; i < d; i++) tf[j * k + i] = 1;
    tf[j * k + d] = 1;
  }
  for (let i = 0; i < r; i++)
    for (let j = 0; j < r; j++) tf[(d + i) * k + d + j] = T[i * r + j] ?? 0;
  let s: Float64Array = new Float64Array(k);
  let P: Float64Array = new Float64Array(k * k);
  for (let j = 0; j < d; j++) s[j] = input.levels[j] ?? 0;
  for (let i = 0; i < r; i++) {
    s[d + i] = input.stateMean[i] ?? 0;
    for (let j = 0; j < r; j++)
      P[(d + i) * k + d + j] = input.sigma2 * (input.stateCov[i * r + j] ?? 0);
  }
  const mean: number[] = [];
  const se: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let step = 0; step < h; step++) {
    let m = input.mean;
    for (let j = 0; j <= d; j++) m += s[j] ?? 0;
    let v = 0;
    for (let i = 0; i <= d; i++) for (let j = 0; j <= d; j++) v += P[i * k + j] ?? 0;
    const e = Math.sqrt(Math.max(v, 0));
    mean.push(m);
    se.push(e);
    lower.push(m - z * e);
    upper.push(m + z * e);
    const next = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let acc = i < d ? input.mean : 0;
      for (let j = 0; j < k; j++) acc += (tf[i * k + j] ?? 0) * (s[j] ?? 0);
      next[i] = acc;
    }
    s = next;
    P = propagate(P, tf, R, d, k, r, input.sigma2);
  }
  return { mean, se, lower, upper, level };
}

function propagate(
  P: Float64Array,
  tf: Float64Array,
  R: Float64Array,
  d: number,
  k: number,
  r: number,
  sigma2: number,
): Float64Array {
  const tp = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let l = 0; l < k; l++) {
      const t = tf[i * k + l] ?? 0;
      if (t === 0) continue;
      for (let j = 0; j < k; j++) tp[i * k + j] = (tp[i * k + j] ?? 0) + t * (P[l * k + j] ?? 0);
    }
  }
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let l = 0; l < k; l++) acc += (tp[i * k + l] ?? 0) * (tf[j * k + l] ?? 0);
      out[i * k + j] = acc;
    }
  }
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const idx = (d + i) * k + d + j;
      out[idx] = (out[idx] ?? 0) + sigma2 * (R[i] ?? 0) * (R[j] ?? 0);
    }
  }
  return out;
}
