import type { Queryable } from "@kamiyo/db";
import { FAULT_DIRECTION } from "../analysis/fault-graph.ts";
import type { Relation, ResourceKind } from "../model.ts";

/** A stored resource as the query's input needs it. */
export interface NeighbourRow {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly namespace: string | null;
  readonly name: string;
  readonly service: string | null;
}

/** The relation types a fault travels along from `from` to `to` (the others: `to` to `from`). */
const FORWARD = Object.entries(FAULT_DIRECTION)
  .filter(([, way]) => way === "forward")
  .map(([type]) => `'${type}'`)
  .join(", ");

/** A relation live during the window `[$1, $2)` (as `r`). */
const LIVE = `r.first_seen_at < $2 AND (r.deleted_at IS NULL OR r.deleted_at >= $1)`;

/**
 * The resources (alive during the window, by id) and relations (live then, between two of them,
 * one per type and ends with the largest weight, sorted) an RCA query on `[from, to)` can use, in
 * one statement: the seeds (resources with events from `lookback` to `to`, the resources of
 * `extra` metric series, the ends of every CALLS edge), every resource of a seed's service and of
 * the symptom's `service`, their controllers up the CONTROLS chain, and everything a fault in those
 * reaches along the relations ({@link FAULT_DIRECTION}), to its end. The set is closed under the
 * fault graph's edges, so every walk the ranking makes from a cause (downstream,
 * fault paths, top controllers) sees what it would see on the whole graph.
 */
export async function loadNeighbourhood(
  tx: Queryable,
  q: { from: Date; to: Date; lookback: Date; service: string | null; extra: readonly string[] },
): Promise<{ resources: NeighbourRow[]; relations: Relation[] }> {
  // The planner guesses a recursive walk at hundreds of thousands of rows (it is thousands), and
  // JIT-compiling for that guess takes a second on PostgreSQL: more than the query.
  await tx.query("SET LOCAL jit = off");
  const [row] = await tx.query<{ resources: NeighbourRow[] | null; relations: Relation[] | null }>(
    `WITH RECURSIVE
     seed AS (
       SELECT resource_id AS id FROM rca_events WHERE occurred_at >= $3 AND occurred_at < $2
       UNION SELECT unnest($4::text[])
       UNION SELECT r.from_id FROM rca_relations r WHERE r.type = 'CALLS' AND ${LIVE}
       UNION SELECT r.to_id FROM rca_relations r WHERE r.type = 'CALLS' AND ${LIVE}
     ),
     services AS (
       SELECT DISTINCT coalesce(s.service, s.name) AS service FROM seed
       JOIN rca_resources s USING (id)
       UNION SELECT $5::text WHERE $5::text IS NOT NULL
     ),
     same AS (
       SELECT id FROM seed
       UNION SELECT x.id FROM services v CROSS JOIN LATERAL (
         SELECT id FROM rca_resources WHERE service = v.service
         UNION ALL
         SELECT id FROM rca_resources WHERE service IS NULL AND name = v.service OFFSET 0) x
     ),
     up AS (
       SELECT id FROM same
       UNION SELECT c.id FROM up CROSS JOIN LATERAL (
         SELECT r.from_id AS id FROM rca_relations r
         WHERE r.to_id = up.id AND r.type = 'CONTROLS' AND ${LIVE} OFFSET 0) c
     ),
     down AS (
       SELECT id FROM up
       UNION SELECT e.id FROM down CROSS JOIN LATERAL (
         SELECT r.to_id AS id FROM rca_relations r
         WHERE r.from_id = down.id AND r.type IN (${FORWARD}) AND ${LIVE}
         UNION ALL
         SELECT r.from_id FROM rca_relations r
         WHERE r.to_id = down.id AND r.type NOT IN (${FORWARD}) AND ${LIVE}) e
     )
     SELECT
       (SELECT json_agg(x ORDER BY x.id) FROM down CROSS JOIN LATERAL (
          SELECT x.id, x.kind, x.namespace, x.name, x.service FROM rca_resources x
          WHERE x.id = down.id AND x.first_seen_at < $2
            AND (x.deleted_at IS NULL OR x.deleted_at >= $1) OFFSET 0) x) AS resources,
       (SELECT json_agg(e ORDER BY e.type, e.from, e.to) FROM (
          SELECT r.type, r.from_id AS "from", r.to_id AS "to", max(r.weight) AS weight
          FROM down CROSS JOIN LATERAL (
            SELECT * FROM rca_relations r WHERE r.from_id = down.id AND ${LIVE} OFFSET 0) r
          JOIN down AS ends ON ends.id = r.to_id
          GROUP BY r.type, r.from_id, r.to_id) e) AS relations`,
    [q.from.toISOString(), q.to.toISOString(), q.lookback.toISOString(), q.extra, q.service],
  );
  return { resources: row?.resources ?? [], relations: row?.relations ?? [] };
}
