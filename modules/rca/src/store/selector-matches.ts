import type { Queryable } from "@kamiyo/db";
import { perKey, TENANT } from "./batch-state.ts";

/** `x` is a live Service with a non-empty selector. */
const selecting = (x: string) =>
  `${x}.kind = 'service' AND ${x}.deleted_at IS NULL AND ${x}.selector IS NOT NULL
   AND ${x}.selector <> '{}'::jsonb`;
const COLUMNS = "id, kind, namespace, labels, selector, deleted_at";

/**
 * The (Service, pod) pairs that select each other by label among the pods and Services `ids`
 * (one statement): each live Service with a non-empty selector selects the live pods of its
 * namespace whose labels contain it. Each side is looked up by its own index, key by key, which
 * holds whether or not the planner has statistics yet (a new tenant's first sync has none): a
 * pod's Services by the selecting-Services index, and the Services' pods by kind and namespace,
 * one scan of a namespace's pods for all its Services (no index finds pods by label, so a new
 * Service costs a pass over its namespace's pods).
 */
export async function selectorMatches(
  tx: Queryable,
  ids: readonly string[],
): Promise<[string, string][]> {
  if (ids.length === 0) return [];
  const services = perKey(1, COLUMNS, "rca_resources", "id = k.id", selecting("r"));
  const pods = perKey(
    1,
    COLUMNS,
    "rca_resources",
    "id = k.id",
    "r.kind = 'pod' AND r.deleted_at IS NULL",
  );
  const rows = await tx.query<{ s: string; p: string }>(
    `WITH s AS MATERIALIZED (SELECT * FROM ${services} r)
     SELECT s.id AS s, p.id AS p FROM (SELECT DISTINCT namespace FROM s) n
     CROSS JOIN LATERAL (SELECT p.id, p.labels FROM rca_resources p
       WHERE p.tenant_id = ${TENANT} AND p.kind = 'pod' AND p.namespace = n.namespace
         AND p.deleted_at IS NULL OFFSET 0) p
     JOIN s ON s.namespace = n.namespace AND p.labels @> s.selector
     UNION
     SELECT s.id, r.id FROM ${pods} r
     CROSS JOIN LATERAL (SELECT s.id FROM rca_resources s
       WHERE s.tenant_id = ${TENANT} AND s.namespace = r.namespace AND ${selecting("s")}
         AND r.labels @> s.selector OFFSET 0) s`,
    [ids],
  );
  return rows.map((r) => [r.s, r.p]);
}
