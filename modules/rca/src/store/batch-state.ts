import type { Queryable } from "@kamiyo/db";
import type { StatusSummary } from "../graph/describe.ts";
import type { LoadedRelation, RelationScope, StoredRow } from "../graph/row-writes.ts";
import type { RelationType } from "../model.ts";

/** The tenant whose transaction this is (set by `tenantDb`). */
export const TENANT = "current_setting('app.tenant_id', true)";

/**
 * Takes the tenant's graph lock until the transaction ends: writers of a tenant's graph read what
 * is stored, plan, then write, so two of them must not interleave (other tenants are not held up).
 */
export async function lockTenantGraph(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('rca_graph/' || ${TENANT}))`);
}

/**
 * A subquery: the `table` rows of each key of the text array `$n` (`where` names the key `k.id`)
 * that pass `keep`. Per key and fenced (`OFFSET 0`: the planner neither flattens the lookup nor
 * pushes `keep` into it), so each is a lookup of the index `where` names, whether or not the
 * planner has statistics yet (a new tenant's first sync has none). Without them,
 * `column = ANY(array)` is estimated to match every row, and a partial index on
 * `deleted_at IS NULL` looks 200 times smaller than it is, so a lookup whose conditions imply
 * that predicate scans that index for the whole tenant: `keep` holds such conditions.
 */
export const perKey = (n: number, columns: string, table: string, where: string, keep = "true") =>
  `(SELECT r.* FROM unnest($${n}::text[]) AS k(id) CROSS JOIN LATERAL (SELECT ${columns} FROM ${table}
     WHERE tenant_id = ${TENANT} AND ${where} OFFSET 0) r WHERE ${keep})`;

/** What the store holds of the resources `ids` (one statement). */
export async function loadStoredRows(
  tx: Queryable,
  ids: readonly string[],
): Promise<Map<string, StoredRow>> {
  const stored = new Map<string, StoredRow>();
  if (ids.length === 0) return stored;
  const rows = await tx.query<{
    id: string;
    uid: string | null;
    resource_version: string | null;
    status: StatusSummary;
    labels: Record<string, string>;
    first_seen_at: Date;
    deleted_at: Date | null;
  }>(
    perKey(
      1,
      "id, uid, resource_version, status, labels, first_seen_at, deleted_at",
      "rca_resources",
      "id = k.id",
    ),
    [ids],
  );
  for (const r of rows)
    stored.set(r.id, {
      ...(r.uid !== null ? { uid: r.uid } : {}),
      ...(r.resource_version !== null ? { resourceVersion: r.resource_version } : {}),
      status: r.status,
      labels: r.labels,
      deleted: r.deleted_at !== null,
      firstSeenAt: r.first_seen_at.toISOString(),
      deletedAt: r.deleted_at?.toISOString() ?? null,
    });
  return stored;
}

const COLUMNS = "type, from_id, to_id, source_id, weight, first_seen_at, last_seen_at, deleted_at";

/**
 * The stored relations of `scope` (one statement), each with whether its source is a tombstoned
 * resource. Tombstoned edges to a re-created object are found without an index (the `to` index
 * holds live edges only), so that branch is left out when no object is re-created.
 */
export async function loadRelations(
  tx: Queryable,
  scope: RelationScope,
): Promise<LoadedRelation[]> {
  const revive = scope.reviveEnds.length > 0;
  if (scope.sources.length === 0 && scope.ends.length === 0 && !revive) return [];
  const live = "r.deleted_at IS NULL";
  const branches = [
    perKey(1, COLUMNS, "rca_relations", "source_id = k.id", live),
    perKey(2, COLUMNS, "rca_relations", "from_id = k.id", live),
    // The `to` index holds live edges only: the one lookup meant to use it.
    perKey(2, COLUMNS, "rca_relations", "to_id = k.id AND deleted_at IS NULL"),
  ];
  if (revive)
    branches.push(
      perKey(
        3,
        COLUMNS,
        "rca_relations",
        "from_id = k.id",
        "r.deleted_at = ANY($4::timestamptz[])",
      ),
      // One scan for all re-created objects: no index holds tombstoned edges by their target.
      `(SELECT ${COLUMNS} FROM rca_relations WHERE tenant_id = ${TENANT}
         AND to_id = ANY($3::text[]) AND deleted_at = ANY($4::timestamptz[]))`,
    );
  const rows = await tx.query<{
    type: RelationType;
    from_id: string;
    to_id: string;
    source_id: string;
    weight: number;
    first_seen_at: Date;
    last_seen_at: Date;
    deleted_at: Date | null;
    source_deleted: boolean;
  }>(
    `WITH rel AS (${branches.join(" UNION ")})
     SELECT rel.*, EXISTS (SELECT 1 FROM rca_resources src WHERE src.tenant_id = ${TENANT}
       AND src.id = rel.source_id AND src.deleted_at IS NOT NULL) AS source_deleted
     FROM rel`,
    revive
      ? [scope.sources, scope.ends, scope.reviveEnds, scope.reviveTimes]
      : [scope.sources, scope.ends],
  );
  return rows.map((r) => ({
    type: r.type,
    from: r.from_id,
    to: r.to_id,
    source: r.source_id,
    weight: r.weight,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    deletedAt: r.deleted_at?.toISOString() ?? null,
    sourceDeleted: r.source_deleted,
  }));
}
