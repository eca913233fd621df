import { AppError } from "@kamiyo/core";

/** Options of `OneClassSvm.fit`. */
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

/** Defaults of the {@link OneClassSvmOptions} that have a fixed one. */
export const DEFAULTS = {
  nu: 0.1,
  tol: 1e-3,
  maxTrainRows: 2000,
  seed: 1,
  cacheBytes: 64 * 2 ** 20,
};

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * ν, tolerance and row cap with their defaults applied.
 * @throws AppError invalid_input for ν outside (0, 1], a non-positive tolerance, or a row cap
 *   that is not an integer ≥ 2.
 */
export function solverOptions(opts: OneClassSvmOptions): {
  nu: number;
  tol: number;
  maxTrainRows: number;
} {
  const nu = opts.nu ?? DEFAULTS.nu;
  const tol = opts.tol ?? DEFAULTS.tol;
  const maxTrainRows = opts.maxTrainRows ?? DEFAULTS.maxTrainRows;
  if (!(nu > 0 && nu <= 1)) throw invalid(`one-class SVM: nu must be in (0, 1], got ${nu}`, { nu });
  if (!(tol > 0)) throw invalid(`one-class SVM: tol must be positive, got ${tol}`, { tol });
  if (!Number.isInteger(maxTrainRows) || maxTrainRows < 2) {
    throw invalid(`one-class SVM: maxTrainRows must be an integer ≥ 2, got ${maxTrainRows}`);
  }
  return { nu, tol, maxTrainRows };
}
