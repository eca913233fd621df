import { AppError } from "@kamiyo/core";
import { type Calibration, calibrate, calibratedConfidence } from "./ensemble/calibration.ts";
import { checkLabels, rfSkipReason } from "./ensemble/labels.ts";
import { type AnomalyEnsembleOptions, RF_MIN_LABELS_PER_CLASS } from "./ensemble/options.ts";
import { type AnomalyEnsembleJson, parseState } from "./ensemble/state.ts";
import {
  combineVerdicts,
  type EnsembleVerdict,
  type EnsembleWeights,
  ensembleWeights,
} from "./ensemble/verdict.ts";
import { IsolationForest } from "./isolation-forest.ts";
import { type Matrix, validateMatrix } from "./matrix.ts";
import { OneClassSvm } from "./one-class-svm.ts";
import { RandomForest } from "./random-forest.ts";

export { type Calibration, calibrate, calibratedConfidence } from "./ensemble/calibration.ts";
export { type AnomalyEnsembleOptions, RF_MIN_LABELS_PER_CLASS } from "./ensemble/options.ts";
export { type EnsembleSeverity, ensembleSeverity } from "./ensemble/severity.ts";
export type { AnomalyEnsembleJson } from "./ensemble/state.ts";
export {
  combineVerdicts,
  ENSEMBLE_WEIGHTS,
  type EnsembleVerdict,
  type EnsembleWeights,
  ensembleWeights,
  type MemberVerdict,
} from "./ensemble/verdict.ts";

function invalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("invalid_input", message, { details });
}

/**
 * Ensemble anomaly detector (Pro/Enterprise "advanced ML"): Isolation Forest and One-Class SVM
 * always, a Random Forest classifier when labels hold at least `minLabelsPerClass` rows of each
 * class. Each member votes by its own threshold and gives a calibrated confidence (see
 * {@link Calibration}; the forest's probability is used as is, being already a class frequency
 * with 0.5 at its threshold); the ensemble confidence is their weighted mean (0.4 / 0.3 / 0.3,
 * renormalised without the forest) and the severity follows {@link ensembleSeverity}.
 */
export class AnomalyEnsemble {
  readonly nFeatures: number;
  readonly featureNames: readonly string[] | undefined;
  readonly weights: EnsembleWeights;
  /** Why the Random Forest was not trained, or null when it was. */
  readonly rfSkipped: string | null;
  readonly iforest: IsolationForest;
  readonly ocsvm: OneClassSvm;
  readonly rf: RandomForest | null;
  readonly #cal: { iforest: Calibration; ocsvm: Calibration };

  private constructor(init: {
    featureNames: readonly string[] | undefined;
    weights: EnsembleWeights;
    rfSkipped: string | null;
    iforest: IsolationForest;
    ocsvm: OneClassSvm;
    rf: RandomForest | null;
    calibration: { iforest: Calibration; ocsvm: Calibration };
  }) {
    this.nFeatures = init.iforest.nFeatures;
    this.featureNames = init.featureNames;
    this.weights = init.weights;
    this.rfSkipped = init.rfSkipped;
    this.iforest = init.iforest;
    this.ocsvm = init.ocsvm;
    this.rf = init.rf;
    this.#cal = init.calibration;
  }

  /**
   * Trains the members on `x` (raw features) and calibrates them on its rows.
   * @throws AppError invalid_input for fewer than 8 rows, a ragged row, NaN/±Infinity, a constant
   *   column, labels of another length than the rows (or a Uint8Array value other than 0/1), a
   *   contamination outside (0, 0.5], or a bad member option.
   */
  static fit(
    x: Matrix | readonly (readonly number[])[],
    opts: AnomalyEnsembleOptions = {},
  ): AnomalyEnsemble {
    const featureNames = opts.featureNames;
    const m = validateMatrix(x, {
      what: "ensemble training data",
      minRows: 8,
      rejectConstantColumns: true,
      featureNames,
    });
    const contamination = opts.contamination ?? 0.1;
    if (!(contamination > 0 && contamination <= 0.5)) {
      throw invalid(`ensemble: contamination must be in (0, 0.5], got ${contamination}`, {
        contamination,
      });
    }
    const seed = opts.seed ?? 0;
    const labels = opts.labels === undefined ? undefined : checkLabels(opts.labels, m.rows);
    const iforest = IsolationForest.fit(m, { ...opts.iforest, contamination, seed, featureNames });
    const ocsvm = OneClassSvm.fit(m, {
      ...opts.ocsvm,
      nu: contamination,
      seed: seed + 1,
      featureNames,
    });
    const minPerClass = opts.minLabelsPerClass ?? RF_MIN_LABELS_PER_CLASS;
    const rfSkipped = rfSkipReason(labels, minPerClass);
    const rf =
      rfSkipped === null && labels !== undefined
        ? RandomForest.fit(m, labels, { ...opts.rf, seed: seed + 2, oobScore: true, featureNames })
        : null;
    const decisions = ocsvm.decisionFunction(m);
    for (let i = 0; i < decisions.length; i++) decisions[i] = -(decisions[i] as number);
    return new AnomalyEnsemble({
      featureNames: featureNames === undefined ? undefined : [...featureNames],
      weights: ensembleWeights(rf !== null),
      rfSkipped,
      iforest,
      ocsvm,
      rf,
      calibration: {
        iforest: calibrate(iforest.score(m), iforest.threshold),
        ocsvm: calibrate(decisions, 0),
      },
    });
  }

  /**
   * The verdict of each row.
   * @throws AppError invalid_input for a column count other than `nFeatures` or a NaN/±Infinity
   *   value (naming row and column).
   */
  score(x: Matrix | readonly (readonly number[])[]): EnsembleVerdict[] {
    const m = validateMatrix(x, {
      what: "ensemble input",
      cols: this.nFeatures,
      featureNames: this.featureNames,
    });
    const s = this.iforest.score(m);
    const d = this.ocsvm.decisionFunction(m);
    const p = this.rf?.predictProba(m);
    return Array.from({ length: m.rows }, (_, i) =>
      this.#verdict(
        s[i] as number,
        d[i] as number,
        p === undefined ? undefined : (p.data[i * p.cols + 1] as number),
      ),
    );
  }

  /** The verdict of one row. @throws AppError invalid_input as {@link score}. */
  scoreOne(row: ArrayLike<number>): EnsembleVerdict {
    const s = this.iforest.scoreOne(row);
    const d = this.ocsvm.decisionOne(row);
    const p = this.rf?.predictProbaOne(row)[1];
    return this.#verdict(s, d, p);
  }

  #verdict(s: number, decision: number, p: number | undefined): EnsembleVerdict {
    const members: EnsembleVerdict["members"] = {
      iforest: {
        score: s,
        vote: s > this.iforest.threshold,
        confidence: calibratedConfidence(s, this.#cal.iforest),
      },
      ocsvm: {
        score: decision,
        vote: decision < 0,
        confidence: calibratedConfidence(-decision, this.#cal.ocsvm),
      },
    };
    if (p !== undefined) members.rf = { score: p, vote: p >= 0.5, confidence: p };
    return combineVerdicts(members, this.weights);
  }

  /** Version, weights, the members' own JSON and their calibrations. */
  toJSON(): AnomalyEnsembleJson {
    return {
      format: "kamiyo.anomaly-ensemble",
      version: 1,
      nFeatures: this.nFeatures,
      featureNames: this.featureNames === undefined ? undefined : [...this.featureNames],
      weights: { ...this.weights },
      rfSkipped: this.rfSkipped,
      members: {
        iforest: { model: this.iforest.toJSON(), calibration: { ...this.#cal.iforest } },
        ocsvm: { model: this.ocsvm.toJSON(), calibration: { ...this.#cal.ocsvm } },
        rf: this.rf === null ? null : { model: this.rf.toJSON() },
      },
    };
  }

  /**
   * Restores an ensemble saved with {@link toJSON}; it scores exactly as the original.
   * @throws AppError invalid_input when the value or a member does not match its schema, the
   *   members disagree on the feature count, or the weights do not match the members present.
   */
  static fromJSON(value: unknown): AnomalyEnsemble {
    const { json, iforest, ocsvm, rf } = parseState(value);
    return new AnomalyEnsemble({
      featureNames: json.featureNames,
      weights: json.weights,
      rfSkipped: json.rfSkipped,
      iforest,
      ocsvm,
      rf,
      calibration: {
        iforest: json.members.iforest.calibration,
        ocsvm: json.members.ocsvm.calibration,
      },
    });
  }
}
