import { AppError, medianMad, medianOf, type Severity } from "@kamiyo/core";
import { AnomalyEnsemble, IsolationForest } from "@kamiyo/ml";
import { z } from "zod";
import {
  FEATURE_NAMES,
  FEATURES,
  type FeatureDef,
  type FeatureName,
  type FeatureRow,
} from "../features/feature-set.ts";

/** Fewest buckets a model trains on: 64 five-minute buckets are 5 h 20 min of history. */
export const MIN_TRAINING_ROWS = 64;

export type AnomalyAlgorithm = "isolation-forest" | "ensemble";

export interface AnomalyTrainOptions {
  algorithm: AnomalyAlgorithm;
  /** Expected share of anomalous buckets in the training window; sets the threshold. */
  contamination: number;
  /**
   * How far beyond the training range (in training ranges) the furthest feature must be for
   * high and critical: the forest says whether a bucket is anomalous, but its score saturates
   * just outside the data it learnt, so how bad is measured from the range.
   */
  highExcess: number;
  criticalExcess: number;
  seed: number;
  /** Per-row labels (true = incident) for the ensemble's Random Forest, when known. */
  labels?: readonly boolean[];
}

const stateSchema = z.object({
  version: z.literal(1),
  algorithm: z.enum(["isolation-forest", "ensemble"]),
  bucketMs: z.number().int().positive(),
  features: z.array(z.string()).min(1),
  /** Features left out: constant (spread 0) or varying less than their minimum spread. */
  excluded: z.array(
    z.object({
      name: z.string(),
      /** The training median (the value, for a constant feature). */
      value: z.number(),
      /** Training range, max − min; absent in models stored before near-constant ones were left out. */
      spread: z.number().nonnegative().optional(),
    }),
  ),
  baseline: z.object({ median: z.array(z.number()), scale: z.array(z.number()) }),
  range: z.object({ min: z.array(z.number()), max: z.array(z.number()) }),
  cuts: z.object({ medium: z.number(), high: z.number(), critical: z.number() }),
  model: z.unknown(),
});

export type AnomalyModelState = z.infer<typeof stateSchema>;

/** A feature's part in a score: its value and robust z-score against the training window. */
export interface Contribution {
  feature: string;
  value: number;
  z: number;
}

export interface AnomalyScore {
  /** Isolation Forest anomaly score s in (0, 1], or the ensemble's confidence in [0, 1]. */
  score: number;
  severity: Severity | null;
  /**
   * Distance of the furthest feature outside the training range, in training ranges, each at
   * least the feature's minimum spread (0 inside).
   */
  excess: number;
  /** Ensemble only: members voting anomalous, of members present. */
  agreement: { anomalous: number; of: number } | null;
  /** The five features furthest from their training median (robust z), largest first. */
  top: Contribution[];
  /**
   * Features left out in training (constant or near-constant: the model cannot see them) whose
   * value now lies at least their minimum spread from the training median.
   */
  unseen: { feature: string; value: number; trained: number }[];
}

/**
 * The anomaly model of a tenant's market: an Isolation Forest (or, on plans that include it,
 * the ensemble) over the bucket features, with the columns that varied less than their minimum
 * spread in the training window left out and named (a near-constant column would make any
 * change look extreme), a robust baseline to explain scores, and severity cut points.
 */
export class AnomalyModel {
  readonly state: AnomalyModelState;
  readonly #forest: IsolationForest | null;
  readonly #ensemble: AnomalyEnsemble | null;
  readonly #columns: number[];
  readonly #minSpread: number[];

  private constructor(state: AnomalyModelState) {
    this.state = state;
    this.#columns = state.features.map((f) => {
      const j = FEATURE_NAMES.indexOf(f as FeatureName);
      if (j < 0)
        throw new AppError(
          "invalid_input",
          `model feature ${JSON.stringify(f)} is not computed by this version`,
        );
      return j;
    });
    this.#minSpread = this.#columns.map((j) => (FEATURES[j] as FeatureDef).minSpread);
    if (state.algorithm === "ensemble") {
      this.#ensemble = AnomalyEnsemble.fromJSON(state.model);
      this.#forest = null;
    } else {
      this.#forest = IsolationForest.fromJSON(state.model);
      this.#ensemble = null;
    }
  }

  /**
   * Trains on feature rows of one bucket length.
   * @throws AppError invalid_input with fewer than MIN_TRAINING_ROWS rows, when every feature is
   *   constant, or on non-finite values (named by row and feature).
   */
  static train(
    rows: readonly FeatureRow[],
    bucketMs: number,
    opts: AnomalyTrainOptions,
  ): AnomalyModel {
    if (rows.length < MIN_TRAINING_ROWS)
      throw new AppError(
        "invalid_input",
        `training needs at least ${MIN_TRAINING_ROWS} buckets of history; the window holds ${rows.length}`,
        { details: { rows: rows.length, min: MIN_TRAINING_ROWS } },
      );
    const used: number[] = [];
    const excluded: AnomalyModelState["excluded"] = [];
    for (const [j, f] of FEATURES.entries()) {
      const column = rows.map((r) => r.values[j] as number);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of column) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (hi - lo < f.minSpread)
        excluded.push({ name: f.name, value: medianOf(column), spread: hi - lo });
      else used.push(j);
    }
    if (used.length === 0)
      throw new AppError(
        "invalid_input",
        "every feature is constant or nearly so over the training window: nothing to learn",
      );
    const features = used.map((j) => FEATURE_NAMES[j] as string);
    const data = new Float64Array(rows.length * used.length);
    rows.forEach((r, i) => {
      used.forEach((j, k) => {
        data[i * used.length + k] = r.values[j] as number;
      });
    });
    const x = { rows: rows.length, cols: used.length, data };
    // Per feature: median and robust scale (medianMad), to say which features made a row unusual.
    const baseline = { median: [] as number[], scale: [] as number[] };
    for (let k = 0; k < used.length; k++) {
      const column = rows.map((_, i) => data[i * used.length + k] as number);
      const b = medianMad(column);
      baseline.median.push(b.median);
      baseline.scale.push(b.scale);
    }
    const range = {
      min: used.map(() => Number.POSITIVE_INFINITY),
      max: used.map(() => Number.NEGATIVE_INFINITY),
    };
    for (let i = 0; i < rows.length; i++)
      for (let k = 0; k < used.length; k++) {
        const v = data[i * used.length + k] as number;
        if (v < (range.min[k] as number)) range.min[k] = v;
        if (v > (range.max[k] as number)) range.max[k] = v;
      }
    let model: unknown;
    let cuts: AnomalyModelState["cuts"];
    if (opts.algorithm === "ensemble") {
      const e = AnomalyEnsemble.fit(x, {
        seed: opts.seed,
        contamination: opts.contamination,
        featureNames: features,
        labels: opts.labels,
      });
      model = e.toJSON();
      // Severity is the ensemble's own rule (confidence and agreement); medium is its floor.
      cuts = { medium: 0.4, high: 0.6, critical: 0.8 };
    } else {
      const f = IsolationForest.fit(x, {
        seed: opts.seed,
        contamination: opts.contamination,
        featureNames: features,
      });
      model = f.toJSON();
      cuts = { medium: f.threshold, high: opts.highExcess, critical: opts.criticalExcess };
    }
    return new AnomalyModel({
      version: 1,
      algorithm: opts.algorithm,
      bucketMs,
      features,
      excluded,
      baseline,
      range,
      cuts,
      model,
    });
  }

  /** @throws AppError invalid_input when the stored state is not a model this version reads. */
  static fromJSON(input: unknown): AnomalyModel {
    const parsed = stateSchema.safeParse(input);
    if (!parsed.success)
      throw new AppError(
        "invalid_input",
        `stored anomaly model is unreadable: ${parsed.error.issues[0]?.message}`,
      );
    return new AnomalyModel(parsed.data);
  }

  toJSON(): AnomalyModelState {
    return this.state;
  }

  /** Scores one bucket's full feature vector (FEATURE_NAMES order). */
  score(values: Float64Array): AnomalyScore {
    const row = new Float64Array(this.#columns.length);
    this.#columns.forEach((j, k) => {
      row[k] = values[j] as number;
    });
    const top = this.state.features
      .map((feature, k) => ({
        feature,
        value: row[k] as number,
        z: robustZ(this.state.baseline, k, row[k] as number),
      }))
      .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
      .slice(0, 5);
    const unseen = this.state.excluded.flatMap((e) => {
      const j = FEATURE_NAMES.indexOf(e.name as FeatureName);
      const v = values[j] as number;
      const moved = Math.abs(v - e.value) >= (FEATURES[j] as FeatureDef).minSpread;
      return moved ? [{ feature: e.name, value: v, trained: e.value }] : [];
    });
    let excess = 0;
    const { min, max } = this.state.range;
    for (let k = 0; k < row.length; k++) {
      const lo = min[k] as number;
      const hi = max[k] as number;
      const v = row[k] as number;
      const out = v > hi ? v - hi : v < lo ? lo - v : 0;
      // Models stored before near-constant features were left out still get the floor here.
      const spread = Math.max(hi - lo, this.#minSpread[k] as number);
      if (out > 0) excess = Math.max(excess, out / spread);
    }
    if (this.#ensemble) {
      const r = this.#ensemble.scoreOne(row);
      return {
        score: r.confidence,
        severity: r.severity,
        excess,
        agreement: r.agreement,
        top,
        unseen,
      };
    }
    const s = (this.#forest as IsolationForest).scoreOne(row);
    const { cuts } = this.state;
    // The forest's score saturates just outside what it learnt, so a bucket a whole training
    // range (never less than the feature's minimum spread) beyond it is anomalous whatever the
    // score; the forest alone decides nearer in.
    const severity: Severity | null =
      excess >= cuts.critical
        ? "critical"
        : excess >= cuts.high
          ? "high"
          : s >= cuts.medium
            ? "medium"
            : null;
    return { score: s, severity, excess, agreement: null, top, unseen };
  }
}

/** Robust z-score of `value` in column `k`; 0 when the column never varied. */
function robustZ(b: { median: number[]; scale: number[] }, k: number, value: number): number {
  const s = b.scale[k] ?? 0;
  return s > 0 ? (value - (b.median[k] ?? 0)) / s : 0;
}
