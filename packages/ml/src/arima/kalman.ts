import { solveLinear } from "./linalg.ts";

/**
 * Harvey's state-space form of a zero-mean ARMA(p, q) process with unit innovation variance
 * (the form statsmodels' SARIMAX uses): state dimension `r = max(p, q + 1)`,
 * `α_{t+1} = T α_t + R η_t`, `w_t = α_t[0]`, with `T[i][0] = φ_{i+1}`, ones on the
 * superdiagonal and `R = [1, θ₁, …, θ_{r−1}]`.
 */
export interface ArmaStateSpace {
  readonly r: number;
  /** Row-major r×r transition matrix. */
  readonly T: Float64Array;
  /** Selection vector (length r). */
  readonly R: Float64Array;
}

/** Builds {@link ArmaStateSpace} for AR coefficients `ar` (φ) and MA coefficients `ma` (θ). */
export function armaStateSpace(ar: readonly number[], ma: readonly number[]): ArmaStateSpace {
  const r = Math.max(ar.length, ma.length + 1);
  const T = new Float64Array(r * r);
  const R = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    T[i * r] = ar[i] ?? 0;
    if (i + 1 < r) T[i * r + i + 1] = 1;
    R[i] = i === 0 ? 1 : (ma[i - 1] ?? 0);
  }
  return { r, T, R };
}

/**
 * Solves the discrete Lyapunov equation `P = T P Tᵀ + R Rᵀ` (the unconditional state covariance
 * in units of σ²) directly through `(I − T⊗T) vec P = vec(R Rᵀ)`. Returns `undefined` when the
 * system is singular, i.e. the AR part has a unit root.
 */
export function stationaryCovariance(ss: ArmaStateSpace): Float64Array | undefined {
  const { r, T, R } = ss;
  const m = r * r;
  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const row = i * r + j;
      b[row] = (R[i] ?? 0) * (R[j] ?? 0);
      a[row * m + row] = 1;
      for (let k = 0; k < r; k++) {
        const tik = T[i * r + k] ?? 0;
        if (tik === 0) continue;
        for (let l = 0; l < r; l++) {
          const tjl = T[j * r + l] ?? 0;
          if (tjl !== 0) a[row * m + k * r + l] = (a[row * m + k * r + l] ?? 0) - tik * tjl;
        }
      }
    }
  }
  const p = solveLinear(a, b, m);
  if (p === undefined) return undefined;
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < i; j++) {
      const avg = ((p[i * r + j] ?? 0) + (p[j * r + i] ?? 0)) / 2;
      p[i * r + j] = avg;
      p[j * r + i] = avg;
    }
  }
  return p;
}

/**
 * How the filter treats the mean of the series: none (zero mean), a fixed value, or profiled
 * out (the GLS estimate given the ARMA coefficients, which maximises the likelihood in it).
 */
export type MeanHandling =
  | { readonly kind: "none" }
  | { readonly kind: "fixed"; readonly value: number }
  | { readonly kind: "profile" };

/** A predicted state `a_{t+1|t}` and its covariance (in units of σ²). */
export interface FilterState {
  readonly mean: Float64Array;
  readonly cov: Float64Array;
}

/** Sufficient statistics of one pass of the Kalman filter. */
export interface KalmanResult {
  /** Observations filtered. */
  readonly n: number;
  /** Σ log F_t, with F_t the innovation variance in units of σ². */
  readonly sumLogF: number;
  /** Σ v_t² / F_t at the mean used: n σ̂² when σ² is concentrated out. */
  readonly ssq: number;
  /** The mean used (the GLS estimate when profiled). */
  readonly mean: number;
  /** The predicted state for the observation after the last one, of the de-meaned series. */
  readonly final: FilterState;
}

/**
 * Exact Kalman filter of `w` under a stationary ARMA with unit innovation variance, started
 * from the stationary distribution (or from `init`, to continue an earlier pass). Returns
 * `undefined` when the stationary covariance cannot be computed (unit root).
 */
export function armaKalmanFilter(
  w: ArrayLike<number>,
  ar: readonly number[],
  ma: readonly number[],
  meanHandling: MeanHandling,
  init?: FilterState,
): KalmanResult | undefined {
  const ss = armaStateSpace(ar, ma);
  const { r, T, R } = ss;
  const p0 = init?.cov ?? stationaryCovariance(ss);
  if (p0 === undefined) return undefined;
  const n = w.length;
  let centre = 0;
  if (meanHandling.kind === "fixed") centre = meanHandling.value;
  if (meanHandling.kind === "profile") {
    for (let t = 0; t < n; t++) centre += (w[t] ?? 0) / n;
  }
  const profile = meanHandling.kind === "profile";
  let ay = init === undefined ? new Float64Array(r) : Float64Array.from(init.mean);
  let ayNext = new Float64Array(r);
  let ax = new Float64Array(r);
  let axNext = new Float64Array(r);
  let P = Float64Array.from(p0);
  let pNext = new Float64Array(r * r);
  const k = new Float64Array(r);
  const tp = new Float64Array(r * r);
  let steady = false;
  let sumLogF = 0;
  let syy = 0;
  let sxy = 0;
  let sxx = 0;
  let f = P[0] ?? 0;
  for (let t = 0; t < n; t++) {
    if (!steady) {
      f = P[0] ?? 0;
      if (!(f > 0)) return undefined;
      // TP = T·P, K = TP[:,0] / F
      for (let i = 0; i < r; i++) {
        const ti0 = T[i * r] ?? 0;
        for (let j = 0; j < r; j++) {
          tp[i * r + j] = ti0 * (P[j] ?? 0) + (i + 1 < r ? (P[(i + 1) * r + j] ?? 0) : 0);
        }
        k[i] = (tp[i * r] ?? 0) / f;
      }
    }
    sumLogF += Math.log(f);
    const vy = (w[t] ?? 0) - centre - (ay[0] ?? 0);
    syy += (vy * vy) / f;
    stepMean(ay, ayNext, T, k, vy, r);
    [ay, ayNext] = [ayNext, ay];
    if (profile) {
      const vx = 1 - (ax[0] ?? 0);
      sxy += (vx * vy) / f;
      sxx += (vx * vx) / f;
      stepMean(ax, axNext, T, k, vx, r);
      [ax, axNext] = [axNext, ax];
    }
    if (!steady) {
      // P' = TP·Tᵀ + R Rᵀ − K Kᵀ F
      let change = 0;
      let size = 0;
      for (let i = 0; i < r; i++) {
        const tpi0 = tp[i * r] ?? 0;
        const ri = R[i] ?? 0;
        const kif = (k[i] ?? 0) * f;
        for (let j = 0; j < r; j++) {
          const tpt = tpi0 * (T[j * r] ?? 0) + (j + 1 < r ? (tp[i * r + j + 1] ?? 0) : 0);
          const v = tpt + ri * (R[j] ?? 0) - kif * (k[j] ?? 0);
          pNext[i * r + j] = v;
          change = Math.max(change, Math.abs(v - (P[i * r + j] ?? 0)));
          size = Math.max(size, Math.abs(v));
        }
      }
      [P, pNext] = [pNext, P];
      if (change <= 1e-15 * size) steady = true;
    }
  }
  let mean = centre;
  let ssq = syy;
  if (profile && sxx > 0) {
    const shift = sxy / sxx;
    mean = centre + shift;
    ssq = syy - shift * sxy;
    for (let i = 0; i < r; i++) ay[i] = (ay[i] ?? 0) - shift * (ax[i] ?? 0);
  }
  return { n, sumLogF, ssq: Math.max(ssq, 0), mean, final: { mean: ay, cov: P } };
}

/** next = T·a + k·v, for Harvey's companion-like T. */
function stepMean(
  a: Float64Array,
  next: Float64Array,
  T: Float64Array,
  k: Float64Array,
  v: number,
  r: number,
): void {
  const a0 = a[0] ?? 0;
  for (let i = 0; i < r; i++) {
    next[i] = (T[i * r] ?? 0) * a0 + (i + 1 < r ? (a[i + 1] ?? 0) : 0) + (k[i] ?? 0) * v;
  }
}

/** Log-likelihood with σ² concentrated out (σ̂² = ssq / n), and that σ̂². */
export function concentratedLogLikelihood(res: KalmanResult): {
  logLikelihood: number;
  sigma2: number;
} {
  const sigma2 = res.ssq / res.n;
  const logLikelihood = -0.5 * res.n * (Math.log(2 * Math.PI * sigma2) + 1) - 0.5 * res.sumLogF;
  return { logLikelihood, sigma2 };
}

/** Gaussian log-likelihood at a given innovation variance `sigma2`. */
export function logLikelihoodAt(res: KalmanResult, sigma2: number): number {
  return -0.5 * res.n * Math.log(2 * Math.PI * sigma2) - 0.5 * res.sumLogF - res.ssq / (2 * sigma2);
}
