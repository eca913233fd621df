import { AppError, seededRandom } from "@kamiyo/core";
import { type Forest, pathLengthSum, pathLengthSums } from "./isolation-forest/forest.ts";
import { growForest } from "./isolation-forest/grow.ts";
import {
  checkOptions,
  type IsolationForestOptions,
  type IsolationForestParams,
} from "./isolation-forest/options.ts";
import { averagePathLength } from "./isolation-forest/path-length.ts";
import {
  forestToJson,
  type IsolationForestState,
  parseState,
  type ScoreSummary,
} from "./isolation-forest/state.ts";
import { describeColumn, type Matrix, validateMatrix } from "./matrix.ts";
import { quantileSorted } from "./metrics.ts";

export type {
  IsolationForestOptions,
  IsolationForestParams,
} from "./isolation-forest/options.ts";
export { averagePathLength } from "./isolation-forest/path-length.ts";
export type { IsolationForestState, ScoreSummary } from "./isolation-forest/state.ts";

/** Fewest training rows `fit` accepts. */
export const ISOLATION_FOREST_MIN_ROWS = 8;

type Input = Matrix | readonly (readonly number[])[];

/** Anomaly scores s = 2^(−mean path length / c(ψ)) of the rows of a checked matrix. */
function scoreRows(forest: Forest, m: Matrix, params: IsolationForestParams): Float64Array {
  const out = new Float64Array(m.rows);
  pathLengthSums(forest, m, out);
  const norm = params.trees * averagePathLength(params.sampleSize);
  for (let i = 0; i < out.length; i++) out[i] = 2 ** (-(out[i] as number) / norm);
  return out;
}

/**
 * Isolation Forest (Liu, Ting and Zhou 2008) as scikit-learn 1.2's `IsolationForest`: anomalies
 * are isolated by fewer random splits. Scores are s(x) = 2^(−E[h(x)] / c(ψ)) in (0, 1], higher
 * is more anomalous: well below 0.5 is normal, near 1 clearly anomalous. Fitting with the same
 * data, options and seed gives the same model. Scale-invariant: features need no scaling.
 * Scoring does not allocate per row; `scoreOne` takes a few microseconds.
 *
 * `IsolationForest.fit(x, opts)` or `IsolationForest.fromJSON(state)` make one; rows are plain
 * arrays or a {@link Matrix}.
 */
export class IsolationForest {
  /** The options the forest was grown with. */
  readonly params: IsolationForestParams;
  /** Number of features (columns) the model was fitted on, and expects when scoring. */
  readonly nFeatures: number;
  /** Feature names given at fit time, if any. */
  readonly featureNames: readonly string[] | undefined;
  /** Anomaly threshold on the s scale: `score(x) > threshold` is anomalous. Equals −offset. */
  readonly threshold: number;
  /** scikit-learn's `offset_`: `decisionFunction = scoreSamples − offset`. */
  readonly offset: number;
  /** The scores s of the training rows: min, median, 95th and 99th percentiles, max. */
  readonly trainingScores: ScoreSummary;
  readonly #forest: Forest;
  /** trees × c(ψ): the path-length sum that gives s = 0.5. */
  readonly #norm: number;

  private constructor(init: {
    params: IsolationForestParams;
    nFeatures: number;
    featureNames: readonly string[] | undefined;
    offset: number;
    trainingScores: ScoreSummary;
    forest: Forest;
  }) {
    this.params = init.params;
    this.nFeatures = init.nFeatures;
    this.featureNames = init.featureNames;
    this.offset = init.offset;
    this.threshold = -init.offset;
    this.trainingScores = init.trainingScores;
    this.#forest = init.forest;
    this.#norm = init.params.trees * averagePathLength(init.params.sampleSize);
  }

  /**
   * Grows a forest on the training rows and sets its threshold from their scores.
   * @throws AppError invalid_input for fewer than 8 rows, a ragged row, a NaN/±Infinity value, a
   *   constant column, feature names that do not match the columns, or an invalid option.
   */
  static fit(x: Input, opts: IsolationForestOptions = {}): IsolationForest {
    checkOptions(opts);
    const m = validateMatrix(x, {
      what: "training data",
      featureNames: opts.featureNames,
      rejectConstantColumns: true,
      minRows: ISOLATION_FOREST_MIN_ROWS,
    });
    const params: IsolationForestParams = {
      trees: opts.trees ?? 100,
      sampleSize: Math.min(opts.sampleSize ?? 256, m.rows),
      contamination: opts.contamination ?? "auto",
      seed: opts.seed ?? 0,
    };
    const forest = growForest(m, params.trees, params.sampleSize, seededRandom(params.seed));
    const sorted = scoreRows(forest, m, params).sort();
    const q = (p: number) => quantileSorted(sorted, p);
    // As sklearn: offset = np.percentile(score_samples(X), 100 * contamination), on −s.
    const offset =
      params.contamination === "auto"
        ? -0.5
        : quantileSorted(sorted.map((s) => -s).reverse(), params.contamination);
    return new IsolationForest({
      params,
      nFeatures: m.cols,
      featureNames: opts.featureNames ? [...opts.featureNames] : undefined,
      offset,
      trainingScores: {
        rows: m.rows,
        min: sorted[0] as number,
        p50: q(0.5),
        p95: q(0.95),
        p99: q(0.99),
        max: sorted[sorted.length - 1] as number,
      },
      forest,
    });
  }

  /**
   * Rebuilds a model from `toJSON()` output (the object or its JSON text); it scores exactly as
   * the original.
   * @throws AppError invalid_input naming the first problem of a truncated or corrupted model.
   */
  static fromJSON(state: unknown): IsolationForest {
    const { state: s, forest } = parseState(state);
    return new IsolationForest({
      params: { ...s.params },
      nFeatures: s.nFeatures,
      featureNames: s.featureNames,
      offset: s.offset,
      trainingScores: s.trainingScores,
      forest,
    });
  }

  /**
   * Anomaly scores s in (0, 1] of each row, higher = more anomalous (s > 0.5: anomalous with
   * contamination "auto").
   * @throws AppError invalid_input for a column count other than `nFeatures` or a non-finite
   *   value (naming its row and column).
   */
  score(x: Input): Float64Array {
    const m = validateMatrix(x, {
      what: "input",
      cols: this.nFeatures,
      featureNames: this.featureNames,
    });
    return scoreRows(this.#forest, m, this.params);
  }

  /**
   * The anomaly score s of one observation, without allocating: for real-time scoring.
   * @throws AppError invalid_input for a length other than `nFeatures` or a non-finite value.
   */
  scoreOne(row: ArrayLike<number>): number {
    if (row.length !== this.nFeatures) {
      throw new AppError(
        "invalid_input",
        `observation has ${row.length} values, expected ${this.nFeatures} (the number of features the model was fitted on)`,
        { details: { length: row.length, expected: this.nFeatures } },
      );
    }
    for (let j = 0; j < row.length; j++) {
      const v = row[j] as number;
      if (typeof v !== "number" || v - v !== 0) {
        throw new AppError(
          "invalid_input",
          `observation ${describeColumn(j, this.featureNames)} is ${String(v)}: every value must be a finite number`,
          { details: { column: j, feature: this.featureNames?.[j] } },
        );
      }
    }
    return 2 ** (-pathLengthSum(this.#forest, row, 0) / this.#norm);
  }

  /** scikit-learn's `score_samples`: −s, higher = more normal. Throws as {@link score}. */
  scoreSamples(x: Input): Float64Array {
    const s = this.score(x);
    for (let i = 0; i < s.length; i++) s[i] = -(s[i] as number);
    return s;
  }

  /**
   * scikit-learn's `decision_function`: scoreSamples − offset; negative = anomalous.
   * Throws as {@link score}.
   */
  decisionFunction(x: Input): Float64Array {
    const s = this.score(x);
    for (let i = 0; i < s.length; i++) s[i] = -(s[i] as number) - this.offset;
    return s;
  }

  /**
   * 1 for each row whose score is above the threshold (anomalous), else 0; scikit-learn's
   * `predict` gives −1 for those. Throws as {@link score}.
   */
  predict(x: Input): Uint8Array {
    const s = this.score(x);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = (s[i] as number) > this.threshold ? 1 : 0;
    return out;
  }

  /** A plain JSON-serialisable state for {@link IsolationForest.fromJSON}. */
  toJSON(): IsolationForestState {
    return {
      format: "kamiyo.isolation-forest",
      version: 1,
      params: { ...this.params },
      nFeatures: this.nFeatures,
      ...(this.featureNames ? { featureNames: [...this.featureNames] } : {}),
      offset: this.offset,
      threshold: this.threshold,
      trainingScores: { ...this.trainingScores },
      trees: forestToJson(this.#forest),
    };
  }
}
