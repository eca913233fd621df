import type { Queryable } from "@kamiyo/db";
import { perKey, TENANT } from "./batch-state.ts";

/** `x` is a live Service with a non-empty selector. */
const selecting = (x: string) =>
  `${x}.kind = 'service' AND ${x}.deleted_at IS NULL AND ${x}.selector_key IS NOT NULL`;
const COLUMNS = "id, kind, namespace, labels, selector, selector_key, deleted_at";

/**
 * The (Service, pod) pairs that select each other by label among the pods and Services `ids`
 * (one statement): each live Service with a non-empty selector selects the live pods of its
 * namespace whose labels contain it. Both ways go through a label pair, so a batch costs what it
 * matches, not the size of its namespaces: a Service's pods are the live pods holding its
 * selector's key (`rca_pod_labels`), a pod's Services those keyed by one of its labels (the
 * selecting-Services index); each candidate is then checked against the whole selector. Every
 * lookup is by key and fenced (`perKey`, `OFFSET 0`), which holds whether or not the planner has
 * statistics yet (a new tenant's first sync has none). (A pod's pairs are made in a fenced
 * subquery: row-level security keeps a comparison with `||` in it out of an index condition.)
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
    `SELECT s.id AS s, p.id AS p FROM ${services} s
     CROSS JOIN LATERAL (SELECT l.pod_id FROM rca_pod_labels l
       WHERE l.tenant_id = ${TENANT} AND l.namespace = s.namespace AND l.label = s.selector_key
       OFFSET 0) l
     CROSS JOIN LATERAL (SELECT p.id FROM rca_resources p
       WHERE p.tenant_id = ${TENANT} AND p.id = l.pod_id AND p.labels @> s.selector OFFSET 0) p
     UNION
     SELECT s.id, r.id FROM ${pods} r
     CROSS JOIN LATERAL (SELECT key || '=' || value AS pair FROM jsonb_each_text(r.labels) OFFSET 0) l
     CROSS JOIN LATERAL (SELECT s.id FROM rca_resources s
       WHERE s.tenant_id = ${TENANT} AND s.namespace = r.namespace AND s.selector_key = l.pair
         AND ${selecting("s")} AND r.labels @> s.selector OFFSET 0) s`,
    [ids],
  );
  return rows.map((r) => [r.s, r.p]);
}
