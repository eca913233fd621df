import { AppError, type Severity } from "@kamiyo/core";
import { activeModel, type Queryable } from "@kamiyo/db";
import { rocAuc } from "@kamiyo/ml";
import { AnomalyModel, type Contribution } from "../anomaly/anomaly-model.ts";
import { featuresFromHistory } from "../features/history-features.ts";
import { incidentLabels } from "./labels.ts";

export interface EvaluationReport {
  model: { id: string; version: number; algorithm: string };
  window: { since: number; until: number };
  summary: {
    buckets: number;
    anomalous: number;
    bySeverity: Record<"critical" | "high" | "medium", number>;
    /** Buckets during high or critical rule-based findings. */
    incidentBuckets: number;
    /** Null when the window has no incidents, or only incidents. */
    rocAuc: number | null;
    precision: number | null;
    recall: number | null;
  };
  /** Anomalous buckets, oldest first. */
  anomalies: {
    start: number;
    end: number;
    score: number;
    severity: Severity;
    incident: boolean;
    top: Contribution[];
  }[];
}

/**
 * Scores every bucket of [since, until) of `history` with the active anomaly model of `models`
 * and compares with the rule-based incidents of the same window.
 * @throws AppError not_found when no anomaly model was trained.
 */
export async function evaluateAnomaly(
  history: Queryable,
  models: Queryable,
  tenantId: string,
  window: { since: number; until: number },
): Promise<EvaluationReport> {
  const stored = await activeModel(models, tenantId, "anomaly");
  if (!stored) throw new AppError("not_found", "no anomaly model: run `kamiyo ml train` first");
  const model = AnomalyModel.fromJSON(stored.state);
  const rows = await featuresFromHistory(history, tenantId, {
    ...window,
    bucketMs: model.state.bucketMs,
  });
  const labels = await incidentLabels(history, tenantId, rows);
  const scores = rows.map((r) => model.score(r.values));
  const bySeverity = { critical: 0, high: 0, medium: 0 };
  const anomalies: EvaluationReport["anomalies"] = [];
  let truePositives = 0;
  scores.forEach((s, i) => {
    const row = rows[i];
    if (!row || s.severity === null) return;
    if (s.severity in bySeverity) bySeverity[s.severity as keyof typeof bySeverity]++;
    if (labels[i]) truePositives++;
    anomalies.push({
      start: row.start,
      end: row.end,
      score: s.score,
      severity: s.severity,
      incident: labels[i] === true,
      top: s.top.slice(0, 3),
    });
  });
  const positives = labels.filter(Boolean).length;
  const mixed = positives > 0 && positives < rows.length;
  return {
    model: { id: stored.id, version: stored.version, algorithm: stored.algorithm },
    window,
    summary: {
      buckets: rows.length,
      anomalous: anomalies.length,
      bySeverity,
      incidentBuckets: positives,
      rocAuc: mixed
        ? rocAuc(
            scores.map((s) => s.score),
            labels,
          )
        : null,
      precision: anomalies.length > 0 && positives > 0 ? truePositives / anomalies.length : null,
      recall: positives > 0 ? truePositives / positives : null,
    },
    anomalies,
  };
}
