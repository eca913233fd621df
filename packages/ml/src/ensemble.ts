import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { IsolationForest, type IsolationForestOptions } from "./isolation-forest.ts";
import { type Matrix, validateMatrix } from "./matrix.ts";
import { quantileSorted } from "./metrics.ts";
import { OneClassSvm, type OneClassSvmOptions } from "./one-class-svm.ts";
import { RandomForest, type RandomForestOptions } from "./random-forest.ts";

/** Nominal vote weights (PRODUCT.md); renormalised over the members present. */
export const ENSEMBLE_WEIGHTS = { iforest: 0.4, ocsvm: 0.3, rf: 0.3 } as const;

/** Default fewest labelled rows of each class (anomalous and normal) to train the random forest. */
export const RF_MIN_LABELS_PER_CLASS = 10;

/** Ensemble severity: `null` means not an anomaly. */
export type EnsembleSeverity = "critical" | "high" | "medium" | null;

/** What one member says about one row. */
export interface MemberVerdict {
  /**
   * The member's own score: Isolation Forest s in (0, 1] (higher = more anomalous), One-Class
   * SVM decision value (negative = outside the learnt support), Random Forest probability of the
   * anomalous class.
   */
  score: number;
  /** Anomalous by the member's own threshold: s > IF threshold, decision < 0, probability ≥ 0.5. */
  vote: boolean;
  /** Calibrated confidence in [0, 1] that the row is anomalous; 0.5 at the member's threshold. */
  confidence: number;
}

/** The ensemble's verdict on one row. */
export interface EnsembleVerdict {
  /** Weighted mean of the member confidences, in [0, 1]. */
  confidence: number;
  /** Members voting anomalous, out of the members present (2 or 3). */
  agreement: { anomalous: number; of: number };
  members: { iforest: MemberVerdict; ocsvm: MemberVerdict; rf?: MemberVerdict };
  severity: EnsembleSeverity;
}

/** Member weights in use (summing to 1); `rf` is absent when the forest was skipped. */
export interface EnsembleWeights {
  iforest: number;
  ocsvm: number;
  rf?: number;
}

/** Options of {@link AnomalyEnsemble.fit}. */
export interface AnomalyEnsembleOptions {
  /** One label per row, true (or 1) = known anomaly; enables the Random Forest (see minLabelsPerClass). */
  labels?: readonly boolean[] | Uint8Array;
  /** Base seed (integer); members use seed, seed + 1, seed + 2. Default 0. */
  seed?: number;
  /** Expected anomaly share in (0, 0.5]: the IF contamination and the One-Class SVM ν. Default 0.1. */
  contamination?: number;
  featureNames?: readonly string[];
  /** Fewest rows of each class needed to train the Random Forest; default 10. */
  minLabelsPerClass?: number;
  iforest?: Pick<IsolationForestOptions, "trees" | "sampleSize">;
  ocsvm?: Pick<OneClassSvmOptions, "gamma" | "tol" | "maxTrainRows">;
  rf?: Pick<RandomForestOptions, "trees" | "maxDepth" | "minSamplesLeaf" | "maxFeatures">;
}

const LN9 = Math.log(9);
const calibrationSchema = z.object({ threshold: z.number(), scale: z.number().positive() });
const weightSchema = z.number().positive().max(1);
const jsonSchema = z.object({
  format: z.literal("kamiyo.anomaly-ensemble"),
  version: z.literal(1),
  nFeatures: z.number().int().positive(),
  featureNames: z.array(z.string()).optional(),
  weights: z.object({ iforest: weightSchema, ocsvm: weightSchema, rf: weightSchema.optional() }),
  rfSkipped: z.string().nullable(),
  members: z.object({
    iforest: z.object({ model: z.unknown(), calibration: calibrationSchema }),
    ocsvm: z.object({ model: z.unknown(), calibration: calibrationSchema }),
    rf: z.object({ model: z.unknown() }).nullable(),
  }),
});

/** The JSON form of an {@link AnomalyEnsemble} (members in their own JSON forms). */
export type AnomalyEnsembleJson = z.infer<typeof jsonSchema>;

/**
 * Logistic calibration of a score m (higher = more anomalous) around a member's threshold t:
 * confidence = 1 / (1 + exp(−(m − t) / scale)), so a row at the threshold gets 0.5 and confidence
 * rises monotonically with m. `scale` = (t − median training score) / ln 9: a row scoring like
 * the median training row gets 0.1, a row as far above the threshold as that median is below it
 * gets 0.9. When the median is not below the threshold (degenerate data) the scale falls back to
 * the robust spread IQR / 1.349 of the training scores, then to 1e-9.
 */
export interface Calibration {
  threshold: number;
  scale: number;
}

/** Fits a {@link Calibration} on the members' training scores (higher = more anomalous). */
export function calibrate(trainingScores: Float64Array, threshold: number): Calibration {
  const sorted = Float64Array.from(trainingScores).sort();
  const median = quantileSorted(sorted, 0.5);
  let scale = (threshold - median) / LN9;
  if (!(scale > 0)) scale = (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / 1.349;
  if (!(scale > 1e-9)) scale = 1e-9;
  return { threshold, scale };
}

/** Confidence in [0, 1] of anomalous-side score m under calibration c (0.5 at the threshold). */
export function calibratedConfidence(m: number, c: Calibration): number {
  return 1 / (1 + Math.exp(-(m - c.threshold) / c.scale));
}

/**
 * PRODUCT.md's rule: critical when confidence > 0.8 and every member votes anomalous; high when
 * confidence > 0.6 and at least two do; medium when confidence > 0.4 and at least one does;
 * otherwise null (not an anomaly). Thresholds are strict.
 */
export function ensembleSeverity(
  confidence: number,
  anomalous: number,
  of: number,
): EnsembleSeverity {
  if (confidence > 0.8 && anomalous === of && of > 0) return "critical";
  if (confidence > 0.6 && anomalous >= 2) return "high";
  if (confidence > 0.4 && anomalous >= 1) return "medium";
  return null;
}

/**
 * Nominal weights renormalised over the members present: with the forest 0.4 / 0.3 / 0.3, without
 * it 0.4 / 0.7 and 0.3 / 0.7 (≈ 0.571 / 0.429), keeping the IF : OCSVM ratio.
 */
export function ensembleWeights(withRf: boolean): EnsembleWeights {
  if (withRf) return { ...ENSEMBLE_WEIGHTS };
  const total = ENSEMBLE_WEIGHTS.iforest + ENSEMBLE_WEIGHTS.ocsvm;
  return { iforest: ENSEMBLE_WEIGHTS.iforest / total, ocsvm: ENSEMBLE_WEIGHTS.ocsvm / total };
}

/** Combines member verdicts: weighted confidence, agreement, severity. */
export function combineVerdicts(
  members: EnsembleVerdict["members"],
  weights: EnsembleWeights,
): EnsembleVerdict {
  const present: [MemberVerdict, number][] = [
    [members.iforest, weights.iforest],
    [members.ocsvm, weights.ocsvm],
  ];
  if (members.rf !== undefined) {
    if (weights.rf === undefined)
      throw new AppError("internal", "ensemble: rf verdict without rf weight");
    present.push([members.rf, weights.rf]);
  }
  let weighted = 0;
  let total = 0;
  let anomalous = 0;
  for (const [verdict, w] of present) {
    weighted += w * verdict.confidence;
    total += w;
    if (verdict.vote) anomalous++;
  }
  const confidence = weighted / total;
  const of = present.length;
  return {
    confidence,
    agreement: { anomalous, of },
    members,
    severity: ensembleSeverity(confidence, anomalous, of),
  };
}

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
    const parsed = jsonSchema.safeParse(value);
    if (!parsed.success)
      throw invalid(`ensemble JSON is invalid: ${z.prettifyError(parsed.error)}`);
    const json = parsed.data;
    const iforest = IsolationForest.fromJSON(json.members.iforest.model);
    const ocsvm = OneClassSvm.fromJSON(json.members.ocsvm.model);
    const rf = json.members.rf === null ? null : RandomForest.fromJSON(json.members.rf.model);
    const counts = [
      json.nFeatures,
      iforest.nFeatures,
      ocsvm.nFeatures,
      rf?.nFeatures ?? json.nFeatures,
    ];
    if (counts.some((n) => n !== json.nFeatures)) {
      throw invalid(
        `ensemble JSON is invalid: members disagree on the feature count (${counts.join(", ")})`,
      );
    }
    const { weights } = json;
    const sum = weights.iforest + weights.ocsvm + (weights.rf ?? 0);
    if ((weights.rf !== undefined) !== (rf !== null) || Math.abs(sum - 1) > 1e-9) {
      throw invalid("ensemble JSON is invalid: weights must sum to 1 over the members present", {
        weights,
      });
    }
    if (rf !== null && rf.nClasses !== 2)
      throw invalid("ensemble JSON is invalid: rf must have 2 classes");
    return new AnomalyEnsemble({
      featureNames: json.featureNames,
      weights,
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

function checkLabels(labels: readonly boolean[] | Uint8Array, rows: number): Uint8Array {
  if (labels.length !== rows) {
    throw invalid(`ensemble: ${labels.length} labels for ${rows} training rows`, {
      labels: labels.length,
      rows,
    });
  }
  const out = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = labels[i];
    if (v !== true && v !== false && v !== 0 && v !== 1) {
      throw invalid(`ensemble: label ${i} is ${String(v)}, expected true/false or 1/0`, {
        index: i,
      });
    }
    out[i] = v === true || v === 1 ? 1 : 0;
  }
  return out;
}

/** Null when the forest can be trained, else why not (for logs and `/ml/status`). */
function rfSkipReason(labels: Uint8Array | undefined, minPerClass: number): string | null {
  if (labels === undefined) return "no labels";
  let anomalous = 0;
  for (const v of labels) anomalous += v;
  const normal = labels.length - anomalous;
  if (anomalous < minPerClass || normal < minPerClass) {
    return `labels hold ${anomalous} anomalous and ${normal} normal rows; the random forest needs at least ${minPerClass} of each`;
  }
  return null;
}
