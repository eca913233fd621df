import { AppError } from "@kamiyo/core";

/**
 * Solves the dense square system `A x = b` by Gaussian elimination with partial pivoting.
 * `a` is row-major n×n and is not modified. Returns `undefined` when `A` is singular to
 * working precision (a pivot below `1e-14` times the largest entry).
 */
export function solveLinear(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  if (a.length !== n * n || b.length !== n) {
    throw new AppError("internal", `solveLinear: expected ${n}×${n} matrix and ${n}-vector`);
  }
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (const v of m) scale = Math.max(scale, Math.abs(v));
  const tiny = 1e-14 * (scale || 1);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    let best = Math.abs(m[col * n + col] ?? 0);
    for (let row = col + 1; row < n; row++) {
      const v = Math.abs(m[row * n + col] ?? 0);
      if (v > best) {
        best = v;
        pivot = row;
      }
    }
    if (!(best > tiny)) return undefined;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) swap(m, col * n + k, pivot * n + k);
      swap(x, col, pivot);
    }
    const diag = m[col * n + col] ?? 0;
    for (let row = col + 1; row < n; row++) {
      const f = (m[row * n + col] ?? 0) / diag;
      if (f === 0) continue;
      for (let k = col; k < n; k++)
        m[row * n + k] = (m[row * n + k] ?? 0) - f * (m[col * n + k] ?? 0);
      x[row] = (x[row] ?? 0) - f * (x[col] ?? 0);
    }
  }
  for (let row = n - 1; row >= 0; row--) {
    let s = x[row] ?? 0;
    for (let k = row + 1; k < n; k++) s -= (m[row * n + k] ?? 0) * (x[k] ?? 0);
    x[row] = s / (m[row * n + row] ?? 1);
  }
  return x;
}

/**
 * Ordinary least squares: the `k` coefficients minimising `‖y − X β‖²` for row-major `x` (n×k),
 * via the normal equations. Returns `undefined` when `X'X` is singular.
 */
export function leastSquares(x: Float64Array, y: Float64Array, n: number, k: number) {
  const xtx = new Float64Array(k * k);
  const xty = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const yi = y[i] ?? 0;
    for (let a = 0; a < k; a++) {
      const xa = x[i * k + a] ?? 0;
      xty[a] = (xty[a] ?? 0) + xa * yi;
      for (let b = a; b < k; b++) xtx[a * k + b] = (xtx[a * k + b] ?? 0) + xa * (x[i * k + b] ?? 0);
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) xtx[a * k + b] = xtx[b * k + a] ?? 0;
  return solveLinear(xtx, xty, k);
}

function swap(v: Float64Array, i: number, j: number): void {
  const t = v[i] ?? 0;
  v[i] = v[j] ?? 0;
  v[j] = t;
}
