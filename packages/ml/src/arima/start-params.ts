import { leastSquares } from "./linalg.ts";
import { isInvertible, isStationary } from "./transforms.ts";

/**
 * Hannan–Rissanen starting values for ARMA(p, q) on a (de-meaned) series `w`: a long AR by
 * least squares gives residuals, then `w_t` is regressed on its own p lags and q lagged
 * residuals. Falls back to pure AR least squares when q = 0, and returns `undefined` when the
 * regressions are singular, too short, or give a non-stationary or non-invertible result.
 */
export function hannanRissanen(
  w: ArrayLike<number>,
  p: number,
  q: number,
): { ar: number[]; ma: number[] } | undefined {
  const n = w.length;
  if (p === 0 && q === 0) return { ar: [], ma: [] };
  let resid: Float64Array | undefined;
  let m = 0;
  if (q > 0) {
    m = Math.min(Math.max(p + q, Math.ceil(10 * Math.log10(n))), Math.floor((n - 1) / 3));
    if (m < 1) return undefined;
    const long = arLeastSquares(w, m);
    if (long === undefined) return undefined;
    resid = new Float64Array(n);
    for (let t = m; t < n; t++) {
      let fit = 0;
      for (let j = 0; j < m; j++) fit += (long[j] ?? 0) * (w[t - j - 1] ?? 0);
      resid[t] = (w[t] ?? 0) - fit;
    }
  }
  const start = Math.max(p, m + q);
  const rows = n - start;
  const k = p + q;
  if (rows < k + 2) return undefined;
  const x = new Float64Array(rows * k);
  const y = new Float64Array(rows);
  for (let t = start; t < n; t++) {
    const i = t - start;
    y[i] = w[t] ?? 0;
    for (let j = 0; j < p; j++) x[i * k + j] = w[t - j - 1] ?? 0;
    for (let j = 0; j < q; j++) x[i * k + p + j] = resid?.[t - j - 1] ?? 0;
  }
  const beta = leastSquares(x, y, rows, k);
  if (beta === undefined) return undefined;
  const ar = Array.from(beta.subarray(0, p));
  const ma = Array.from(beta.subarray(p));
  if (!ar.every(Number.isFinite) || !ma.every(Number.isFinite)) return undefined;
  if (!isStationary(ar) || !isInvertible(ma)) return undefined;
  return { ar, ma };
}

function arLeastSquares(w: ArrayLike<number>, m: number): Float64Array | undefined {
  const n = w.length;
  const rows = n - m;
  if (rows < m + 1) return undefined;
  const x = new Float64Array(rows * m);
  const y = new Float64Array(rows);
  for (let t = m; t < n; t++) {
    y[t - m] = w[t] ?? 0;
    for (let j = 0; j < m; j++) x[(t - m) * m + j] = w[t - j - 1] ?? 0;
  }
  return leastSquares(x, y, rows, m);
}
