import type { KernelRows } from "./kernel-cache.ts";

const TAU = 1e-12;

/** The solved dual of a ν-One-Class SVM. */
export interface Solution {
  alpha: Float64Array;
  rho: number;
  iterations: number;
  /** (Qα)ᵢ = Σⱼ αⱼ K(zⱼ, zᵢ): decision value + ρ of each training row. */
  gradient: Float64Array;
}

/**
 * libsvm's `solve_one_class` + `Solver::Solve` (y ≡ +1, C = 1, p = 0), without shrinking: SMO on
 * min ½αᵀQα subject to 0 ≤ αᵢ ≤ 1, Σαᵢ = ν·l, with the second-order working-set selection of
 * Fan, Chen and Lin (2005); stops when the maximal KKT violation is below `eps` or after `maxIter`
 * iterations. `l` is the number of training rows of `kernel`.
 */
export function solveOneClass(
  l: number,
  nu: number,
  kernel: KernelRows,
  eps: number,
  maxIter: number,
): Solution {
  const alpha = new Float64Array(l);
  const full = Math.floor(nu * l);
  for (let i = 0; i < full; i++) alpha[i] = 1;
  if (full < l) alpha[full] = nu * l - full;
  const g = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    const a = alpha[i] as number;
    if (a === 0) continue;
    const q = kernel.get(i);
    for (let k = 0; k < l; k++) g[k] = (g[k] as number) + a * (q[k] as number);
  }
  let iterations = 0;
  while (iterations < maxIter) {
    // Working set: i maximises −G over αᵢ < 1; j (αⱼ > 0) maximises the second-order decrease.
    let gmax = Number.NEGATIVE_INFINITY;
    let i = -1;
    for (let t = 0; t < l; t++) {
      if ((alpha[t] as number) < 1 && -(g[t] as number) >= gmax) {
        gmax = -(g[t] as number);
        i = t;
      }
    }
    if (i < 0) break;
    const qi = kernel.get(i);
    let gmax2 = Number.NEGATIVE_INFINITY;
    let j = -1;
    let objMin = Number.POSITIVE_INFINITY;
    for (let t = 0; t < l; t++) {
      if ((alpha[t] as number) <= 0) continue;
      const gt = g[t] as number;
      if (gt >= gmax2) gmax2 = gt;
      const gradDiff = gmax + gt;
      if (gradDiff > 0) {
        const quad = 2 - 2 * (qi[t] as number);
        const obj = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
        if (obj <= objMin) {
          objMin = obj;
          j = t;
        }
      }
    }
    if (gmax + gmax2 < eps || j < 0) break;
    iterations++;
    const qj = kernel.get(j);
    const oldI = alpha[i] as number;
    const oldJ = alpha[j] as number;
    let quad = 2 - 2 * (qi[j] as number);
    if (quad <= 0) quad = TAU;
    const delta = ((g[i] as number) - (g[j] as number)) / quad;
    const sum = oldI + oldJ;
    let ai = oldI - delta;
    let aj = oldJ + delta;
    if (sum > 1) {
      if (ai > 1) {
        ai = 1;
        aj = sum - 1;
      }
    } else if (aj < 0) {
      aj = 0;
      ai = sum;
    }
    if (sum > 1) {
      if (aj > 1) {
        aj = 1;
        ai = sum - 1;
      }
    } else if (ai < 0) {
      ai = 0;
      aj = sum;
    }
    alpha[i] = ai;
    alpha[j] = aj;
    const dI = ai - oldI;
    const dJ = aj - oldJ;
    for (let k = 0; k < l; k++) {
      g[k] = (g[k] as number) + (qi[k] as number) * dI + (qj[k] as number) * dJ;
    }
  }
  return { alpha, rho: computeRho(alpha, g), iterations, gradient: g };
}

/** libsvm `calculate_rho`: mean gradient over free αs, else the midpoint of the feasible interval. */
function computeRho(alpha: Float64Array, g: Float64Array): number {
  let ub = Number.POSITIVE_INFINITY;
  let lb = Number.NEGATIVE_INFINITY;
  let free = 0;
  let sumFree = 0;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] as number;
    const gi = g[i] as number;
    if (a >= 1) lb = Math.max(lb, gi);
    else if (a <= 0) ub = Math.min(ub, gi);
    else {
      free++;
      sumFree += gi;
    }
  }
  return free > 0 ? sumFree / free : (ub + lb) / 2;
}
