/** `d`-th order differences of `x` (length `x.length − d`); `d = 0` copies. */
export function difference(x: ArrayLike<number>, d: number): number[] {
  let out = Array.from(x);
  for (let k = 0; k < d; k++) {
    const next = new Array<number>(Math.max(out.length - 1, 0));
    for (let t = 1; t < out.length; t++) next[t - 1] = (out[t] ?? 0) - (out[t - 1] ?? 0);
    out = next;
  }
  return out;
}

/**
 * The last value of each difference order 0..d−1 of `x`: `[y_n, Δy_n, …, Δ^{d−1}y_n]`, the
 * starting values needed to integrate forecasts of `Δ^d y` back to levels.
 */
export function lastLevels(x: ArrayLike<number>, d: number): number[] {
  const levels: number[] = [];
  let cur = Array.from(x);
  for (let k = 0; k < d; k++) {
    levels.push(cur[cur.length - 1] ?? 0);
    cur = difference(cur, 1);
  }
  return levels;
}

/** True when every value equals the first (a series of length ≤ 1 is constant). */
export function isConstant(x: ArrayLike<number>): boolean {
  for (let t = 1; t < x.length; t++) if (x[t] !== x[0]) return false;
  return true;
}

/** Result of {@link kpssTest}. */
export interface KpssResult {
  /** The KPSS level-stationarity statistic η = Σ S_t² / (n² σ̂²_LR). */
  readonly statistic: number;
  /** Bartlett-window lags used for the long-run variance. */
  readonly lags: number;
  /** p-value interpolated in the KPSS (1992) table, clipped to [0.01, 0.10]. */
  readonly pValue: number;
  readonly n: number;
}

const KPSS_CRITICAL = [0.347, 0.463, 0.574, 0.739];
const KPSS_LEVELS = [0.1, 0.05, 0.025, 0.01];

/**
 * KPSS test of level stationarity (null: stationary around a constant), as urca's
 * `ur.kpss(type = "mu")`. Default lags `trunc(3·√n / 13)`, the choice of forecast::ndiffs
 * (Hyndman–Khandakar auto.arima). Needs at least 3 values and a non-constant series.
 */
export function kpssTest(x: ArrayLike<number>, opts: { lags?: number } = {}): KpssResult {
  const n = x.length;
  const lags = opts.lags ?? Math.trunc((3 * Math.sqrt(n)) / 13);
  let mean = 0;
  for (let t = 0; t < n; t++) mean += (x[t] ?? 0) / n;
  const e = new Float64Array(n);
  for (let t = 0; t < n; t++) e[t] = (x[t] ?? 0) - mean;
  let s2 = 0;
  for (let t = 0; t < n; t++) s2 += (e[t] ?? 0) ** 2;
  for (let l = 1; l <= lags; l++) {
    let c = 0;
    for (let t = l; t < n; t++) c += (e[t] ?? 0) * (e[t - l] ?? 0);
    s2 += 2 * (1 - l / (lags + 1)) * c;
  }
  s2 /= n;
  let cum = 0;
  let eta = 0;
  for (let t = 0; t < n; t++) {
    cum += e[t] ?? 0;
    eta += cum * cum;
  }
  const statistic = eta / (n * n * s2);
  return { statistic, lags, pValue: kpssPValue(statistic), n };
}

/**
 * p-value of a KPSS level statistic by linear interpolation in the KPSS (1992) table
 * (0.347, 0.463, 0.574, 0.739 for 10 %, 5 %, 2.5 %, 1 %), clipped to [0.01, 0.10] like R's
 * approx(rule = 2) in forecast::ndiffs and statsmodels' kpss.
 */
export function kpssPValue(stat: number): number {
  const first = KPSS_CRITICAL[0] ?? 0;
  const last = KPSS_CRITICAL[KPSS_CRITICAL.length - 1] ?? 0;
  if (stat <= first) return KPSS_LEVELS[0] ?? 0.1;
  if (stat >= last) return KPSS_LEVELS[KPSS_LEVELS.length - 1] ?? 0.01;
  for (let i = 1; i < KPSS_CRITICAL.length; i++) {
    const hi = KPSS_CRITICAL[i] ?? 0;
    if (stat <= hi) {
      const lo = KPSS_CRITICAL[i - 1] ?? 0;
      const pLo = KPSS_LEVELS[i - 1] ?? 0;
      const pHi = KPSS_LEVELS[i] ?? 0;
      return pLo + ((stat - lo) * (pHi - pLo)) / (hi - lo);
    }
  }
  return KPSS_LEVELS[KPSS_LEVELS.length - 1] ?? 0.01;
}

/** Result of {@link chooseDifferencing}: the order and the tests that led to it. */
export interface DifferencingChoice {
  readonly d: number;
  /** One KPSS test per differencing order tried, starting at d = 0. */
  readonly tests: readonly KpssResult[];
}

/**
 * Number of differences by repeated KPSS tests, as forecast::ndiffs (test = "kpss"): difference
 * while the KPSS p-value is below `alpha` (default 0.05), up to `maxD` (default 2); stop early
 * when the (differenced) series is constant or too short to test (fewer than 3 values).
 */
export function chooseDifferencing(
  x: ArrayLike<number>,
  opts: { alpha?: number; maxD?: number } = {},
): DifferencingChoice {
  const alpha = opts.alpha ?? 0.05;
  const maxD = opts.maxD ?? 2;
  const tests: KpssResult[] = [];
  let cur = Array.from(x);
  let d = 0;
  while (!isConstant(cur) && cur.length >= 3) {
    const test = kpssTest(cur);
    tests.push(test);
    if (!(test.pValue < alpha) || d >= maxD) break;
    d++;
    cur = difference(cur, 1);
  }
  return { d, tests };
}
