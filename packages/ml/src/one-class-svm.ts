import { AppError, seededRandom } from "@kamiyo/core";
import { z } from "zod";
import { assertFinite, type Matrix, validateMatrix } from "./matrix.ts";

/** Options of {@link OneClassSvm.fit}. */
export interface OneClassSvmOptions {
  /**
   * ν in (0, 1]: an upper bound on the fraction of training rows left outside the boundary
   * (margin errors) and a lower bound on the fraction of support vectors. Default 0.1 (the
   * expected anomaly rate of a monitored stream; scikit-learn's default is 0.5).
   */
  nu?: number;
  /** RBF width γ in K(x, y) = exp(−γ‖x − y‖²) on standardised data; default "scale" = 1 / (features · variance of all values). */
  gamma?: "scale" | number;
  /** SMO stopping tolerance on the maximal KKT violation (libsvm `eps`); default 1e-3. */
  tol?: number;
  /** Training is O(rows²): above this many rows a seeded random subsample is used; default 2,000. */
  maxTrainRows?: number;
  /** Seed of the subsample; default 1. */
  seed?: number;
  /** Budget of the kernel row cache in bytes; default 64 MiB (2,000 rows fit entirely in 32 MiB). */
  cacheBytes?: number;
  /** Solver iteration cap (as libsvm: max(10⁷, 100 · rows)). */
  maxIter?: number;
  /** One name per column, used in error messages and kept in the JSON. */
  featureNames?: readonly string[];
}

/** What the fit did, for logs and `/ml/status`. */
export interface OneClassSvmTraining {
  /** Rows the solver saw (after the subsample). */
  rows: number;
  /** Rows given to fit; more than `rows` when the subsample was used. */
  inputRows: number;
  supportVectors: number;
  /** Support vectors at the upper bound α = 1 (at or outside the boundary). */
  boundedSupportVectors: number;
  iterations: number;
  /** Fraction of training rows with a negative decision value (≈ ν). */
  outlierFraction: number;
}

const TAU = 1e-12;
const DEFAULTS = { nu: 0.1, tol: 1e-3, maxTrainRows: 2000, seed: 1, cacheBytes: 64 * 2 ** 20 };

const finite = z.number().refine(Number.isFinite, "must be finite");
const jsonSchema = z.object({
  format: z.literal("kamiyo.one-class-svm"),
  version: z.literal(1),
  nFeatures: z.number().int().positive(),
  featureNames: z.array(z.string()).optional(),
  nu: finite,
  gamma: finite.refine((g) => g > 0, "must be positive"),
  rho: finite,
  mean: z.array(finite),
  std: z.array(finite.refine((s) => s > 0, "must be positive")),
  supportVectors: z.array(z.array(finite)),
  coefficients: z.array(finite),
  training: z.object({
    rows: z.number().int(),
    inputRows: z.number().int(),
    supportVectors: z.number().int(),
    boundedSupportVectors: z.number().int(),
    iterations: z.number().int(),
    outlierFraction: finite,
  }),
});

/** The JSON form of a {@link OneClassSvm}: support vectors (standardised), coefficients, ρ, scaler. */
export type OneClassSvmJson = z.infer<typeof jsonSchema>;

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * ν-One-Class SVM (Schölkopf et al. 2001) with an RBF kernel, solved like libsvm / scikit-learn
 * `OneClassSVM`: dual min ½αᵀQα subject to 0 ≤ αᵢ ≤ 1, Σαᵢ = ν·rows, by SMO with the second-order
 * working-set selection of Fan, Chen and Lin (2005) (no shrinking), ρ the mean gradient over the
 * free support vectors. Columns are standardised inside the model (mean and population standard
 * deviation of the fit data; a constant column gets deviation 1), so callers pass raw features.
 */
export class OneClassSvm {
  readonly nFeatures: number;
  readonly featureNames: readonly string[] | undefined;
  readonly nu: number;
  readonly gamma: number;
  /** Offset ρ: decision = Σ αᵢ K(svᵢ, x) − ρ. */
  readonly rho: number;
  readonly training: OneClassSvmTraining;
  readonly #mean: Float64Array;
  readonly #std: Float64Array;
  readonly #sv: Float64Array;
  readonly #coef: Float64Array;

  private constructor(json: OneClassSvmJson) {
    this.nFeatures = json.nFeatures;
    this.featureNames = json.featureNames;
    this.nu = json.nu;
    this.gamma = json.gamma;
    this.rho = json.rho;
    this.training = json.training;
    this.#mean = Float64Array.from(json.mean);
    this.#std = Float64Array.from(json.std);
    this.#sv = Float64Array.from(json.supportVectors.flat());
    this.#coef = Float64Array.from(json.coefficients);
  }

  /**
   * Fits the boundary of `x` (raw features; standardised internally).
   * @throws AppError invalid_input for NaN/±Infinity, fewer than 2 rows, ν outside (0, 1], a
   *   non-positive γ or tolerance, or featureNames of the wrong length.
   */
  static fit(
    x: Matrix | readonly (readonly number[])[],
    opts: OneClassSvmOptions = {},
  ): OneClassSvm {
    const featureNames = opts.featureNames;
    const m = validateMatrix(x, { what: "one-class SVM training data", minRows: 2, featureNames });
    const nu = opts.nu ?? DEFAULTS.nu;
    const tol = opts.tol ?? DEFAULTS.tol;
    const maxTrainRows = opts.maxTrainRows ?? DEFAULTS.maxTrainRows;
    if (!(nu > 0 && nu <= 1))
      throw invalid(`one-class SVM: nu must be in (0, 1], got ${nu}`, { nu });
    if (!(tol > 0)) throw invalid(`one-class SVM: tol must be positive, got ${tol}`, { tol });
    if (!Number.isInteger(maxTrainRows) || maxTrainRows < 2) {
      throw invalid(`one-class SVM: maxTrainRows must be an integer ≥ 2, got ${maxTrainRows}`);
    }
    const d = m.cols;
    const { mean, std } = columnScaler(m);
    const picked = pickRows(m.rows, maxTrainRows, opts.seed ?? DEFAULTS.seed);
    const l = picked.length;
    const z = new Float64Array(l * d);
    for (let r = 0; r < l; r++) {
      const src = (picked[r] as number) * d;
      for (let j = 0; j < d; j++) {
        z[r * d + j] = ((m.data[src + j] as number) - (mean[j] as number)) / (std[j] as number);
      }
    }
    const gamma =
      opts.gamma === undefined || opts.gamma === "scale" ? scaleGamma(z, d) : opts.gamma;
    if (!(gamma > 0 && Number.isFinite(gamma))) {
      throw invalid(`one-class SVM: gamma must be a positive number or "scale", got ${gamma}`);
    }
    const kernel = new KernelRows(z, d, gamma, opts.cacheBytes ?? DEFAULTS.cacheBytes);
    const maxIter = opts.maxIter ?? Math.max(10_000_000, 100 * l);
    const { alpha, rho, iterations, gradient } = solveOneClass(l, nu, kernel, tol, maxIter);
    const supportVectors: number[][] = [];
    const coefficients: number[] = [];
    let bounded = 0;
    let outliers = 0;
    for (let i = 0; i < l; i++) {
      const a = alpha[i] as number;
      if ((gradient[i] as number) - rho < 0) outliers++;
      if (a <= 0) continue;
      if (a >= 1) bounded++;
      supportVectors.push(Array.from(z.subarray(i * d, (i + 1) * d)));
      coefficients.push(a);
    }
    return new OneClassSvm({
      format: "kamiyo.one-class-svm",
      version: 1,
      nFeatures: d,
      featureNames: featureNames === undefined ? undefined : [...featureNames],
      nu,
      gamma,
      rho,
      mean: Array.from(mean),
      std: Array.from(std),
      supportVectors,
      coefficients,
      training: {
        rows: l,
        inputRows: m.rows,
        supportVectors: coefficients.length,
        boundedSupportVectors: bounded,
        iterations,
        outlierFraction: outliers / l,
      },
    });
  }

  /**
   * Σ αᵢ K(svᵢ, x) − ρ per row, as scikit-learn's `decision_function`: positive inside the learnt
   * support (inlier), negative outside (outlier); the most negative possible value is −ρ.
   * @throws AppError invalid_input for a wrong column count or a NaN/±Infinity value.
   */
  decisionFunction(x: Matrix | readonly (readonly number[])[]): Float64Array {
    const m = validateMatrix(x, {
      what: "one-class SVM input",
      cols: this.nFeatures,
      featureNames: this.featureNames,
    });
    const out = new Float64Array(m.rows);
    const scratch = new Float64Array(this.nFeatures);
    for (let i = 0; i < m.rows; i++) out[i] = this.#decision(m.data, i * m.cols, scratch);
    return out;
  }

  /** {@link decisionFunction} of one row. @throws AppError invalid_input as decisionFunction. */
  decisionOne(row: ArrayLike<number>): number {
    if (row.length !== this.nFeatures) {
      throw invalid(`one-class SVM row has ${row.length} values, expected ${this.nFeatures}`, {
        expected: this.nFeatures,
        actual: row.length,
      });
    }
    assertFinite(row, this.nFeatures, "one-class SVM row", this.featureNames);
    return this.#decision(row, 0, new Float64Array(this.nFeatures));
  }

  /** Σ αᵢ K(svᵢ, x) (scikit-learn's `score_samples` = decision + ρ); lower = more anomalous. */
  scoreSamples(x: Matrix | readonly (readonly number[])[]): Float64Array {
    const out = this.decisionFunction(x);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + this.rho;
    return out;
  }

  #decision(data: ArrayLike<number>, offset: number, zRow: Float64Array): number {
    const d = this.nFeatures;
    const sv = this.#sv;
    for (let j = 0; j < d; j++) {
      zRow[j] =
        ((data[offset + j] as number) - (this.#mean[j] as number)) / (this.#std[j] as number);
    }
    let sum = 0;
    for (let s = 0; s < this.#coef.length; s++) {
      let dist = 0;
      const base = s * d;
      for (let j = 0; j < d; j++) {
        const diff = (sv[base + j] as number) - (zRow[j] as number);
        dist += diff * diff;
      }
      sum += (this.#coef[s] as number) * Math.exp(-this.gamma * dist);
    }
    return sum - this.rho;
  }

  /** Support vectors (standardised), coefficients, ρ, γ, ν and the scaler: everything to score. */
  toJSON(): OneClassSvmJson {
    const d = this.nFeatures;
    const supportVectors: number[][] = [];
    for (let s = 0; s < this.#coef.length; s++) {
      supportVectors.push(Array.from(this.#sv.subarray(s * d, (s + 1) * d)));
    }
    return {
      format: "kamiyo.one-class-svm",
      version: 1,
      nFeatures: d,
      featureNames: this.featureNames === undefined ? undefined : [...this.featureNames],
      nu: this.nu,
      gamma: this.gamma,
      rho: this.rho,
      mean: Array.from(this.#mean),
      std: Array.from(this.#std),
      supportVectors,
      coefficients: Array.from(this.#coef),
      training: { ...this.training },
    };
  }

  /**
   * Restores a model saved with {@link toJSON}.
   * @throws AppError invalid_input when the value does not match the schema or its arrays
   *   disagree in length with `nFeatures` or with each other.
   */
  static fromJSON(value: unknown): OneClassSvm {
    const parsed = jsonSchema.safeParse(value);
    if (!parsed.success) {
      throw invalid(`one-class SVM JSON is invalid: ${z.prettifyError(parsed.error)}`);
    }
    const json = parsed.data;
    const d = json.nFeatures;
    const sizes = [json.mean.length, json.std.length, ...json.supportVectors.map((v) => v.length)];
    if (sizes.some((n) => n !== d) || json.supportVectors.length !== json.coefficients.length) {
      throw invalid("one-class SVM JSON is invalid: array lengths do not match nFeatures", { d });
    }
    if (json.featureNames !== undefined && json.featureNames.length !== d) {
      throw invalid("one-class SVM JSON is invalid: featureNames length differs from nFeatures");
    }
    return new OneClassSvm(json);
  }
}

function columnScaler(m: Matrix): { mean: Float64Array; std: Float64Array } {
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
function scaleGamma(z: Float64Array, d: number): number {
  let sum = 0;
  for (const v of z) sum += v;
  const mu = sum / z.length;
  let ss = 0;
  for (const v of z) ss += (v - mu) * (v - mu);
  const variance = ss / z.length;
  return variance > 0 ? 1 / (d * variance) : 1;
}

/** All row indices in order, or a seeded sample of `cap` of them (kept in their original order). */
function pickRows(rows: number, cap: number, seed: number): Int32Array {
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

/** RBF kernel rows K(zᵢ, ·) with a least-recently-used cache bounded in bytes (at least 2 rows). */
class KernelRows {
  readonly #z: Float64Array;
  readonly #d: number;
  readonly #l: number;
  readonly #gamma: number;
  readonly #capacity: number;
  readonly #cache = new Map<number, Float64Array>();

  constructor(z: Float64Array, d: number, gamma: number, cacheBytes: number) {
    this.#z = z;
    this.#d = d;
    this.#l = z.length / d;
    this.#gamma = gamma;
    this.#capacity = Math.max(2, Math.floor(cacheBytes / (8 * this.#l)));
  }

  /** Row i; valid until two further calls (the two most recent rows are never evicted). */
  get(i: number): Float64Array {
    const hit = this.#cache.get(i);
    if (hit !== undefined) {
      this.#cache.delete(i);
      this.#cache.set(i, hit);
      return hit;
    }
    let row: Float64Array;
    if (this.#cache.size >= this.#capacity) {
      const [oldest, buffer] = this.#cache.entries().next().value as [number, Float64Array];
      this.#cache.delete(oldest);
      row = buffer;
    } else {
      row = new Float64Array(this.#l);
    }
    const z = this.#z;
    const d = this.#d;
    const base = i * d;
    for (let k = 0; k < this.#l; k++) {
      let dist = 0;
      const other = k * d;
      for (let j = 0; j < d; j++) {
        const diff = (z[base + j] as number) - (z[other + j] as number);
        dist += diff * diff;
      }
      row[k] = Math.exp(-this.#gamma * dist);
    }
    this.#cache.set(i, row);
    return row;
  }
}

interface Solution {
  alpha: Float64Array;
  rho: number;
  iterations: number;
  /** (Qα)ᵢ = Σⱼ αⱼ K(zⱼ, zᵢ): decision value + ρ of each training row. */
  gradient: Float64Array;
}

/** libsvm's `solve_one_class` + `Solver::Solve` (y ≡ +1, C = 1, p = 0), without shrinking. */
function solveOneClass(
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
