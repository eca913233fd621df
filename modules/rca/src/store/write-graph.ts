import { createHash } from "node:crypto";
import type { Db, Queryable } from "@kamiyo/db";
import {
  type BatchCounts,
  type BatchIssue,
  type GraphOp,
  parseWatchEvents,
  planBatch,
  type StoredResource,
  touchedIds,
} from "../graph/builder.ts";
import type { EdgeRow, StatusSummary } from "../graph/describe.ts";
import type { EventRow } from "../graph/state-events.ts";

/** What one batch did. */
export interface BatchResult {
  readonly counts: BatchCounts;
  /** Events newly recorded (a de-duplicated one is not counted). */
  readonly eventsRecorded: number;
  readonly issues: readonly BatchIssue[];
}

/** The tenant whose transaction this is (set by `tenantDb`). */
const TENANT = "current_setting('app.tenant_id', true)";

/** Edges of a Service's selector are asserted under this source, apart from its own edges. */
export const selectorSource = (serviceId: string) => `${serviceId}#selector`;

/**
 * Applies one batch of Kubernetes watch events (`{type, object}`) to the tenant's graph in one
 * transaction: resources upserted or tombstoned, the edges each object asserts replaced, Service
 * selectors matched against pods, state-change and Kubernetes events recorded once each. `db` is
 * the tenant's view (`tenantDb(db, tenantId)`): rows get its tenant, and row-level security
 * applies. Bad objects are reported in `issues`; replaying a batch changes nothing.
 * @param at when the batch was received: last-seen times, and events whose object has no time.
 */
export async function applyWatchBatch(
  db: Db,
  batch: readonly unknown[],
  at: Date,
): Promise<BatchResult> {
  const iso = at.toISOString();
  const { parsed, issues } = parseWatchEvents(batch, iso);
  return db.transaction(async (tx) => {
    const ids = touchedIds(parsed);
    const stored = await loadStored(tx, ids);
    const plan = planBatch(parsed, stored.rows, issues, iso);
    for (const op of plan.ops) await applyOp(tx, op, stored.deletedAt, iso);
    const selectorTouched = plan.ops
      .map((o) => (o.op === "upsert" ? o.described.resource : o.resource))
      .filter((r) => r.kind === "pod" || r.kind === "service")
      .map((r) => r.id);
    if (selectorTouched.length > 0) await reconcileSelectors(tx, selectorTouched, iso);
    const eventsRecorded = await insertEvents(tx, plan.events, iso);
    return { counts: plan.counts, eventsRecorded, issues: plan.issues };
  });
}

async function loadStored(tx: Queryable, ids: readonly string[]) {
  const rows = ids.length
    ? await tx.query<{
        id: string;
        uid: string | null;
        resource_version: string | null;
        status: StatusSummary;
        deleted_at: Date | null;
      }>(
        `SELECT id, uid, resource_version, status, deleted_at FROM rca_resources
         WHERE tenant_id = ${TENANT} AND id = ANY($1::text[])`,
        [ids],
      )
    : [];
  const map = new Map<string, StoredResource>();
  const deletedAt = new Map<string, string>();
  for (const r of rows) {
    map.set(r.id, {
      ...(r.uid !== null ? { uid: r.uid } : {}),
      ...(r.resource_version !== null ? { resourceVersion: r.resource_version } : {}),
      status: r.status,
      deleted: r.deleted_at !== null,
    });
    if (r.deleted_at) deletedAt.set(r.id, r.deleted_at.toISOString());
  }
  return { rows: map, deletedAt };
}

async function applyOp(
  tx: Queryable,
  op: GraphOp,
  deletedAt: Map<string, string>,
  at: string,
): Promise<void> {
  const r = op.op === "upsert" ? op.described.resource : op.resource;
  const tombstone = op.op === "delete" ? at : null;
  await tx.query(
    `INSERT INTO rca_resources (tenant_id, id, kind, namespace, name, service, uid, labels, selector,
       status, resource_version, first_seen_at, last_seen_at, deleted_at)
     VALUES (${TENANT}, $1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10, $11, $11, $12)
     ON CONFLICT (tenant_id, id) DO UPDATE SET
       kind = EXCLUDED.kind, namespace = EXCLUDED.namespace, name = EXCLUDED.name,
       service = EXCLUDED.service, uid = EXCLUDED.uid, labels = EXCLUDED.labels,
       selector = EXCLUDED.selector, status = EXCLUDED.status,
       resource_version = EXCLUDED.resource_version, last_seen_at = EXCLUDED.last_seen_at,
       deleted_at = EXCLUDED.deleted_at,
       first_seen_at = CASE WHEN rca_resources.deleted_at IS NOT NULL AND EXCLUDED.deleted_at IS NULL
         THEN EXCLUDED.first_seen_at ELSE rca_resources.first_seen_at END`,
    [
      r.id,
      r.kind,
      r.namespace ?? null,
      r.name,
      r.service ?? null,
      r.uid ?? null,
      JSON.stringify(r.labels),
      r.selector ? JSON.stringify(r.selector) : null,
      JSON.stringify(r.status),
      r.resourceVersion ?? null,
      at,
      tombstone,
    ],
  );
  if (op.op === "delete") {
    await tx.query(
      `UPDATE rca_relations SET deleted_at = $2
       WHERE tenant_id = ${TENANT} AND deleted_at IS NULL
         AND (from_id = $1 OR to_id = $1 OR source_id = $1 OR source_id = $3)`,
      [r.id, at, selectorSource(r.id)],
    );
    deletedAt.set(r.id, at);
    return;
  }
  const was = deletedAt.get(r.id);
  if (was !== undefined) {
    // Re-created under the same id: edges other live objects asserted to it, removed only
    // because it was deleted, hold again.
    await tx.query(
      `UPDATE rca_relations rel SET deleted_at = NULL, last_seen_at = $3
       WHERE rel.tenant_id = ${TENANT} AND rel.deleted_at = $2 AND (rel.from_id = $1 OR rel.to_id = $1)
         AND rel.source_id <> $1 AND rel.source_id NOT LIKE '%#selector'
         AND NOT EXISTS (SELECT 1 FROM rca_resources s WHERE s.tenant_id = rel.tenant_id
                         AND s.id = rel.source_id AND s.deleted_at IS NOT NULL)`,
      [r.id, was, at],
    );
    deletedAt.delete(r.id);
  }
  await replaceEdges(tx, r.id, op.described.edges, at);
}

/**
 * Makes `edges` the live edges asserted by `source`: the others it asserted are tombstoned, new
 * ones inserted, tombstoned ones revived; an edge already live is left as it is.
 */
export async function replaceEdges(
  tx: Queryable,
  source: string,
  edges: readonly EdgeRow[],
  at: string,
): Promise<void> {
  const json = JSON.stringify(edges);
  await tx.query(
    `UPDATE rca_relations rel SET deleted_at = $3
     WHERE rel.tenant_id = ${TENANT} AND rel.source_id = $1 AND rel.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS e(type text, "from" text, "to" text)
                       WHERE e.type = rel.type AND e."from" = rel.from_id AND e."to" = rel.to_id)`,
    [source, json, at],
  );
  if (edges.length > 0) await upsertEdges(tx, source, json, at);
}

async function upsertEdges(tx: Queryable, source: string, json: string, at: string) {
  await tx.query(
    `INSERT INTO rca_relations (tenant_id, type, from_id, to_id, source_id, weight, first_seen_at, last_seen_at)
     SELECT ${TENANT}, e.type, e."from", e."to", $1, e.weight, $3, $3
     FROM jsonb_to_recordset($2::jsonb) AS e(type text, "from" text, "to" text, weight double precision)
     ON CONFLICT (tenant_id, from_id, type, to_id, source_id) DO UPDATE SET
       deleted_at = NULL, weight = EXCLUDED.weight, last_seen_at = EXCLUDED.last_seen_at
     WHERE rca_relations.deleted_at IS NOT NULL OR rca_relations.weight <> EXCLUDED.weight`,
    [source, json, at],
  );
}

/**
 * SELECTS by label selector for the pods and Services in `ids`: each live Service with a
 * non-empty selector selects the live pods of its namespace whose labels contain it.
 */
async function reconcileSelectors(tx: Queryable, ids: readonly string[], at: string) {
  const desired = `
    SELECT s.id AS from_id, p.id AS to_id
    FROM rca_resources s
    JOIN rca_resources p ON p.tenant_id = s.tenant_id AND p.kind = 'pod' AND p.namespace = s.namespace
      AND p.deleted_at IS NULL AND p.labels @> s.selector
    WHERE s.tenant_id = ${TENANT} AND s.kind = 'service' AND s.deleted_at IS NULL
      AND s.selector IS NOT NULL AND s.selector <> '{}'::jsonb
      AND (s.id = ANY($1::text[]) OR p.id = ANY($1::text[]))`;
  await tx.query(
    `UPDATE rca_relations rel SET deleted_at = $2
     WHERE rel.tenant_id = ${TENANT} AND rel.type = 'SELECTS' AND rel.deleted_at IS NULL
       AND rel.source_id = rel.from_id || '#selector'
       AND (rel.from_id = ANY($1::text[]) OR rel.to_id = ANY($1::text[]))
       AND NOT EXISTS (SELECT 1 FROM (${desired}) d WHERE d.from_id = rel.from_id AND d.to_id = rel.to_id)`,
    [ids, at],
  );
  await tx.query(
    `INSERT INTO rca_relations (tenant_id, type, from_id, to_id, source_id, weight, first_seen_at, last_seen_at)
     SELECT ${TENANT}, 'SELECTS', d.from_id, d.to_id, d.from_id || '#selector', 1, $2, $2 FROM (${desired}) d
     ON CONFLICT (tenant_id, from_id, type, to_id, source_id) DO UPDATE SET
       deleted_at = NULL, last_seen_at = EXCLUDED.last_seen_at
     WHERE rca_relations.deleted_at IS NOT NULL`,
    [ids, at],
  );
}

/** The stable id of an event: `rev_` and a hash of its de-duplication key. */
export function eventId(dedupKey: string): string {
  return `rev_${createHash("sha256").update(dedupKey).digest("hex").slice(0, 24)}`;
}

/** Inserts events, skipping those whose key is already recorded. @returns how many were new. */
export async function insertEvents(
  tx: Queryable,
  events: readonly EventRow[],
  at: string,
): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map((e) => ({ ...e, id: eventId(e.dedupKey) }));
  const inserted = await tx.query(
    `INSERT INTO rca_events (tenant_id, id, dedup_key, resource_id, kind, reason, severity, message,
       data, occurred_at, recorded_at)
     SELECT ${TENANT}, e.id, e."dedupKey", e."resourceId", e.kind, e.reason, e.severity, e.message,
       e.data, e."occurredAt", $2
     FROM jsonb_to_recordset($1::jsonb) AS e(id text, "dedupKey" text, "resourceId" text, kind text,
       reason text, severity text, message text, data jsonb, "occurredAt" timestamptz)
     ON CONFLICT DO NOTHING
     RETURNING 1`,
    [JSON.stringify(rows), at],
  );
  return inserted.length;
}

/**
 * Records events from other feeds (metric anomalies, log error bursts) in one transaction of the
 * tenant's view; an event whose key is already recorded is skipped. @returns how many were new.
 */
export async function recordEvents(db: Db, events: readonly EventRow[], at: Date): Promise<number> {
  return db.transaction((tx) => insertEvents(tx, events, at.toISOString()));
}

/** A service call edge from traces or a mesh: `source` calls `target`. */
export interface CallEdgeInput {
  readonly namespace: string;
  readonly source: string;
  readonly target: string;
  readonly weight?: number;
}

/**
 * Makes `edges` the live CALLS edges of the feed `feed` (`service/<ns>/<name>` ends), as one
 * transaction of the tenant's view: edges the feed no longer reports are tombstoned.
 */
export async function replaceCallEdges(
  db: Db,
  feed: string,
  edges: readonly CallEdgeInput[],
  at: Date,
): Promise<void> {
  const rows: EdgeRow[] = edges.map((e) => ({
    type: "CALLS",
    from: `service/${e.namespace}/${e.source}`,
    to: `service/${e.namespace}/${e.target}`,
    weight: e.weight ?? 1,
  }));
  await db.transaction((tx) => replaceEdges(tx, `calls:${feed}`, rows, at.toISOString()));
}
