import { AppError } from "@kamiyo/core";
import { type Db, type NewModel, type Queryable, type StoredModel, saveModel } from "@kamiyo/db";
import { rocAuc } from "@kamiyo/ml";
import { type AnomalyAlgorithm, AnomalyModel } from "../anomaly/anomaly-model.ts";
import type { FeatureRow } from "../features/feature-set.ts";
import { featuresFromHistory } from "../features/history-features.ts";
import type { MlConfig } from "../ml-config.ts";
import { incidentLabels } from "./labels.ts";

export interface TrainAnomalyResult {
  stored: StoredModel;
  model: AnomalyModel;
}

export interface AnomalyTrainingWindow {
  since: number;
  until: number;
  algorithm: AnomalyAlgorithm;
  config: MlConfig;
}

/**
 * Trains the anomaly model on the stored history of [since, until) and saves it as the active
 * version (see {@link fitAnomaly}).
 */
export async function trainAnomaly(
  db: Db,
  tenantId: string,
  opts: AnomalyTrainingWindow & {
    now: number;
    /** Where the model is saved; default the history's database. */
    store?: Db;
  },
): Promise<TrainAnomalyResult> {
  const { model, record } = await fitAnomaly(db, tenantId, opts);
  return { model, stored: await saveModel(opts.store ?? db, tenantId, record, opts.now) };
}

/**
 * Fits the anomaly model on the stored history of [since, until), without saving it. Metrics:
 * rows, the training anomaly rate at the threshold, features left out, and when rule-based
 * incidents exist in the window, ROC-AUC and recall against them.
 * @returns the model, the record to save and the feature rows it learnt from (for the forecasters).
 * @throws AppError invalid_input when the window holds too little history (see AnomalyModel.train).
 */
export async function fitAnomaly(
  db: Queryable,
  tenantId: string,
  opts: AnomalyTrainingWindow,
): Promise<{ model: AnomalyModel; record: NewModel; rows: FeatureRow[] }> {
  const bucketMs = opts.config.bucketMinutes * 60_000;
  const rows = await featuresFromHistory(db, tenantId, {
    since: opts.since,
    until: opts.until,
    bucketMs,
  });
  const labels = await incidentLabels(db, tenantId, rows);
  const positives = labels.filter(Boolean).length;
  const model = AnomalyModel.train(rows, bucketMs, {
    algorithm: opts.algorithm,
    contamination: opts.config.contamination,
    highExcess: opts.config.highExcess,
    criticalExcess: opts.config.criticalExcess,
    seed: opts.config.seed,
    labels: positives > 0 ? labels : undefined,
  });
  const scores = rows.map((r) => model.score(r.values));
  const flagged = scores.filter((s) => s.severity !== null).length;
  const metrics: Record<string, unknown> = {
    rows: rows.length,
    bucketMinutes: opts.config.bucketMinutes,
    threshold: model.state.cuts.medium,
    cuts: model.state.cuts,
    trainingAnomalyRate: flagged / rows.length,
    excludedFeatures: model.state.excluded,
    incidentBuckets: positives,
  };
  if (positives > 0 && positives < rows.length) {
    metrics.rocAucVsIncidents = rocAuc(
      scores.map((s) => s.score),
      labels,
    );
    metrics.recallVsIncidents =
      scores.filter((s, i) => labels[i] && s.severity !== null).length / positives;
  }
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) throw new AppError("internal", "trained on no rows");
  const record: NewModel = {
    purpose: "anomaly",
    algorithm: opts.algorithm,
    features: model.state.features,
    windowStart: first.start,
    windowEnd: last.end,
    metrics,
    state: model.toJSON(),
  };
  return { model, record, rows };
}
