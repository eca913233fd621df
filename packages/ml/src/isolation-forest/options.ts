import { AppError } from "@kamiyo/core";

/** How an isolation forest is grown and where its anomaly threshold lies. */
export interface IsolationForestOptions {
  /** Number of trees; default 100 (integer, 1 to 10,000). */
  trees?: number;
  /**
   * Rows drawn without replacement for each tree (ψ); default min(256, rows). More than the
   * training rows is lowered to the number of rows (as scikit-learn). Integer ≥ 2.
   */
  sampleSize?: number;
  /**
   * "auto" (default): a row is anomalous when its score s > 0.5 (scikit-learn's offset −0.5).
   * A fraction in (0, 0.5]: the expected share of anomalies in the training data; the threshold is
   * the (1 − contamination) quantile of the training scores (linear interpolation, as numpy).
   */
  contamination?: "auto" | number;
  /** Seed of the generator drawing rows, features and thresholds; default 0. Integer. */
  seed?: number;
  /** One name per column, kept with the model and used in error messages. */
  featureNames?: readonly string[];
}

/** The parameters a forest was grown with (`sampleSize` as used, after lowering). */
export interface IsolationForestParams {
  readonly trees: number;
  readonly sampleSize: number;
  readonly contamination: "auto" | number;
  readonly seed: number;
}

function invalidOption(message: string, option: string): AppError {
  return new AppError("invalid_input", message, { details: { option } });
}

/** @throws AppError invalid_input naming the first invalid option (`details.option`). */
export function checkOptions(opts: IsolationForestOptions): void {
  const { trees, sampleSize, contamination, seed } = opts;
  if (trees !== undefined && !(Number.isInteger(trees) && trees >= 1 && trees <= 10_000)) {
    throw invalidOption(`trees must be an integer from 1 to 10,000, got ${trees}`, "trees");
  }
  if (sampleSize !== undefined && !(Number.isInteger(sampleSize) && sampleSize >= 2)) {
    throw invalidOption(`sampleSize must be an integer ≥ 2, got ${sampleSize}`, "sampleSize");
  }
  if (
    contamination !== undefined &&
    contamination !== "auto" &&
    !(typeof contamination === "number" && contamination > 0 && contamination <= 0.5)
  ) {
    throw invalidOption(
      `contamination must be "auto" or a fraction in (0, 0.5], got ${contamination}`,
      "contamination",
    );
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw invalidOption(`seed must be an integer, got ${seed}`, "seed");
  }
}
