import { AppError } from "@kamiyo/core";
import { assertFinite, type Matrix, validateMatrix } from "./matrix.ts";
import { KernelRows } from "./one-class-svm/kernel-cache.ts";
import { DEFAULTS, type OneClassSvmOptions, solverOptions } from "./one-class-svm/options.ts";
import { columnScaler, pickRows, scaleGamma, standardiseRows } from "./one-class-svm/preprocess.ts";
import { solveOneClass } from "./one-class-svm/solver.ts";
import {
  type OneClassSvmJson,
  type OneClassSvmTraining,
  parseState,
  splitRows,
} from "./one-class-svm/state.ts";

export type { OneClassSvmOptions } from "./one-class-svm/options.ts";
export type { OneClassSvmJson, OneClassSvmTraining } from "./one-class-svm/state.ts";

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
    const { nu, tol, maxTrainRows } = solverOptions(opts);
    const d = m.cols;
    const { mean, std } = columnScaler(m);
    const picked = pickRows(m.rows, maxTrainRows, opts.seed ?? DEFAULTS.seed);
    const l = picked.length;
    const z = standardiseRows(m, picked, mean, std);
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
      supportVectors: splitRows(this.#sv, d, this.#coef.length),
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
    return new OneClassSvm(parseState(value));
  }
}
