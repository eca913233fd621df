import type { Queryable } from "@kamiyo/db";
import { ML_DETECTOR_KIND } from "../anomaly/anomaly-detector.ts";
import { CORRELATOR_DETECTOR } from "../correlation/from-finding.ts";
import type { FeatureRow } from "../features/feature-set.ts";

/** Detectors whose findings are not ground truth for the models (their own output). */
const NOT_LABELS = [ML_DETECTOR_KIND, CORRELATOR_DETECTOR];

/**
 * Incident labels for feature rows: a bucket is an incident when a high or critical finding of
 * a rule-based detector was active during it (between its first and latest datum). These are
 * the operator-visible incidents the Random Forest of the ensemble learns from, and what
 * `kamiyo ml evaluate` measures against.
 */
export async function incidentLabels(
  q: Queryable,
  tenantId: string,
  rows: readonly FeatureRow[],
): Promise<boolean[]> {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return [];
  const spans = await q.query<{ from_ms: number; to_ms: number }>(
    `SELECT (extract(epoch FROM first_data_at) * 1000)::float8 AS from_ms,
            (extract(epoch FROM data_at) * 1000)::float8 AS to_ms
       FROM findings
      WHERE tenant_id = $1 AND severity IN ('high', 'critical') AND detector <> ALL($2)
        AND data_at >= $3 AND first_data_at < $4`,
    [tenantId, NOT_LABELS, new Date(first.start), new Date(last.end)],
  );
  return rows.map((r) => spans.some((s) => s.from_ms < r.end && s.to_ms >= r.start));
}
