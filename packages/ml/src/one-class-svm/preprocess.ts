import { seededRandom } from "@kamiyo/core";
import type { Matrix } from "../matrix.ts";

/**
 * Mean and population standard deviation of each column of `m`; a constant (or overflowing)
 * column gets deviation 1.
 */
export function columnScaler(m: Matrix): { mean: Float64Array; std: Float64Array } {
  const { rows, cols, data } = m;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[i * cols + j] as number);
  }
  for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / rows;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const diff = (data[i * cols + j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + diff * diff;
    }
  }
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt((std[j] as number) / rows);
    std[j] = s > 0 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

/** 1 / (features · variance of every value), scikit-learn's gamma="scale" (1 for zero variance). */
export function scaleGamma(z: Float64Array, d: number): number {
  let sum = 0;
  for (const v of z) sum += v;
  const mu = sum / z.length;
  let ss = 0;
  for (const v of z) ss += (v - mu) * (v - mu);
  const variance = ss / z.length;
  return variance > 0 ? 1 / (d * variance) : 1;
}

/** All row indices in order, or a seeded sample of `cap` of them (kept in their original order). */
export function pickRows(rows: number, cap: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: rows }, (_, i) => i);
  if (rows <= cap) return all;
  const random = seededRandom(seed);
  for (let i = 0; i < cap; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.subarray(0, cap).sort();
}

/** The `picked` rows of `m` standardised with `mean` and `std`, row-major. */
export function standardiseRows(
  m: Matrix,
  picked: Int32Array,
  mean: Float64Array,
  std: Float64Array,
): Float64Array {
  const d = m.cols;
  const l = picked.length;
  const z = new Float64Array(l * d);
  for (let r = 0; r < l; r++) {
    const src = (picked[r] as number) * d;
    for (let j = 0; j < d; j++) {
      z[r * d + j] = ((m.data[src + j] as number) - (mean[j] as number)) / (std[j] as number);
    }
  }
  return z;
}
