import type { Db, Queryable } from "@kamiyo/db";
import {
  type BatchCounts,
  type BatchIssue,
  parseWatchEvents,
  planBatch,
  touchedIds,
} from "../graph/builder.ts";
import type { EdgeRow } from "../graph/describe.ts";
import { podLabelChanges } from "../graph/label-pairs.ts";
import { matchSelectors, planRowWrites, relationScope, selectorIds } from "../graph/row-writes.ts";
import { loadRelations, loadStoredRows, lockTenantGraph, TENANT } from "./batch-state.ts";
import { upsertRelations, upsertResources } from "./graph-rows.ts";
import { writePodLabels } from "./pod-labels.ts";
import { insertEvents } from "./record-events.ts";
import { selectorMatches } from "./selector-matches.ts";

/** What one batch did. */
export interface BatchResult {
  readonly counts: BatchCounts;
  /** Events newly recorded (a de-duplicated one is not counted). */
  readonly eventsRecorded: number;
  readonly issues: readonly BatchIssue[];
}

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
  return db.transaction((tx) => writeWatchBatch(tx, batch, at));
}

/**
 * {@link applyWatchBatch} inside the caller's transaction of the tenant's view, in at most nine
 * statements whatever the batch's size: the tenant's graph lock; what is stored of the touched
 * objects, then of the relations they can change (two reads); the resources written; the live
 * pods' label lookup kept (two writes, when labels changed); the Services and pods matched by
 * selector (one read); the relations written; the events inserted. The writes
 * are planned in memory (`planRowWrites`), event after event, so the graph ends as applying the
 * events one by one would leave it; selector edges are matched once, at the end of the batch.
 */
export async function writeWatchBatch(
  tx: Queryable,
  batch: readonly unknown[],
  at: Date,
): Promise<BatchResult> {
  const iso = at.toISOString();
  const { parsed, issues } = parseWatchEvents(batch, iso);
  const ids = touchedIds(parsed);
  if (ids.length > 0) await lockTenantGraph(tx);
  const stored = await loadStoredRows(tx, ids);
  const plan = planBatch(parsed, stored, issues, iso);
  if (plan.ops.length > 0) {
    const relations = await loadRelations(tx, relationScope(plan.ops, stored, iso));
    const writes = planRowWrites(plan.ops, stored, relations, iso);
    await upsertResources(tx, writes.resources, iso);
    await writePodLabels(tx, podLabelChanges(writes.resources, stored));
    const selecting = selectorIds(plan.ops);
    matchSelectors(writes.relations, selecting, await selectorMatches(tx, selecting), iso);
    await upsertRelations(tx, writes.relations.changed());
  }
  const eventsRecorded = await insertEvents(tx, plan.events, iso);
  return { counts: plan.counts, eventsRecorded, issues: plan.issues };
}

/**
 * Makes `edges` the live edges asserted by `source`: the others it asserted are tombstoned, new
 * ones inserted, tombstoned ones revived; an edge already live is left as it is.
 */
async function replaceEdges(
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
  if (edges.length === 0) return;
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

/** A service call edge from traces or a mesh: `source` calls `target`. */
export interface CallEdgeInput {
  readonly namespace: string;
  readonly source: string;
  readonly target: string;
  /** The callee's namespace when it is not the caller's. */
  readonly targetNamespace?: string;
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
  await db.transaction((tx) => writeCallEdges(tx, feed, edges, at));
}

/** {@link replaceCallEdges} inside a transaction of the tenant's view already open (the builder's). */
export async function writeCallEdges(
  tx: Queryable,
  feed: string,
  edges: readonly CallEdgeInput[],
  at: Date,
): Promise<void> {
  const rows: EdgeRow[] = edges.map((e) => ({
    type: "CALLS",
    from: `service/${e.namespace}/${e.source}`,
    to: `service/${e.targetNamespace ?? e.namespace}/${e.target}`,
    weight: e.weight ?? 1,
  }));
  await lockTenantGraph(tx);
  await replaceEdges(tx, `calls:${feed}`, rows, at.toISOString());
}
