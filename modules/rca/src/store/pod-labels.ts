import type { Queryable } from "@kamiyo/db";
import type { PodLabel } from "../graph/label-pairs.ts";
import { TENANT } from "./batch-state.ts";

const columns = (rows: readonly PodLabel[]) => [
  rows.map((r) => r.namespace),
  rows.map((r) => r.label),
  rows.map((r) => r.podId),
];

/**
 * Applies a batch's changes to the live pods' label lookup (at most two statements, none when
 * nothing changed), after the pods' rows are written (the lookup references them).
 */
export async function writePodLabels(
  tx: Queryable,
  changes: { removed: readonly PodLabel[]; added: readonly PodLabel[] },
): Promise<void> {
  if (changes.removed.length > 0)
    await tx.query(
      `DELETE FROM rca_pod_labels l USING unnest($1::text[], $2::text[], $3::text[]) AS r(ns, label, pod)
       WHERE l.tenant_id = ${TENANT} AND l.namespace = r.ns AND l.label = r.label AND l.pod_id = r.pod`,
      columns(changes.removed),
    );
  if (changes.added.length > 0)
    await tx.query(
      `INSERT INTO rca_pod_labels (tenant_id, namespace, label, pod_id)
       SELECT ${TENANT}, r.ns, r.label, r.pod FROM unnest($1::text[], $2::text[], $3::text[]) AS r(ns, label, pod)
       ON CONFLICT DO NOTHING`,
      columns(changes.added),
    );
}
