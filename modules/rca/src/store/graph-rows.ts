import type { Queryable } from "@kamiyo/db";
import { selectorKey } from "../graph/label-pairs.ts";
import type { RelationRow } from "../graph/relation-set.ts";
import type { ResourceWrite } from "../graph/row-writes.ts";
import { TENANT } from "./batch-state.ts";

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** Writes resource rows as they are given (one statement; ids must be distinct). */
export async function upsertResources(
  tx: Queryable,
  writes: readonly ResourceWrite[],
  at: string,
): Promise<void> {
  if (writes.length === 0) return;
  const cols = {
    id: [] as string[],
    kind: [] as string[],
    namespace: [] as (string | null)[],
    name: [] as string[],
    service: [] as (string | null)[],
    uid: [] as (string | null)[],
    labels: [] as (string | null)[],
    selector: [] as (string | null)[],
    selectorKey: [] as (string | null)[],
    status: [] as (string | null)[],
    version: [] as (string | null)[],
    firstSeen: [] as string[],
    deleted: [] as (string | null)[],
  };
  for (const { resource: r, firstSeenAt, deletedAt } of writes) {
    cols.id.push(r.id);
    cols.kind.push(r.kind);
    cols.namespace.push(r.namespace ?? null);
    cols.name.push(r.name);
    cols.service.push(r.service ?? null);
    cols.uid.push(r.uid ?? null);
    cols.labels.push(json(r.labels));
    cols.selector.push(json(r.selector));
    cols.selectorKey.push(selectorKey(r.selector) ?? null);
    cols.status.push(json(r.status));
    cols.version.push(r.resourceVersion ?? null);
    cols.firstSeen.push(firstSeenAt);
    cols.deleted.push(deletedAt);
  }
  await tx.query(
    `INSERT INTO rca_resources (tenant_id, id, kind, namespace, name, service, uid, labels, selector,
       selector_key, status, resource_version, first_seen_at, last_seen_at, deleted_at)
     SELECT ${TENANT}, r.id, r.kind, r.namespace, r.name, r.service, r.uid, r.labels::jsonb,
       r.selector::jsonb, r.selector_key, r.status::jsonb, r.version, r.first_seen, $14, r.deleted
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[],
       $13::timestamptz[])
       AS r(id, kind, namespace, name, service, uid, labels, selector, selector_key, status, version,
         first_seen, deleted)
     ON CONFLICT (tenant_id, id) DO UPDATE SET
       kind = EXCLUDED.kind, namespace = EXCLUDED.namespace, name = EXCLUDED.name,
       service = EXCLUDED.service, uid = EXCLUDED.uid, labels = EXCLUDED.labels,
       selector = EXCLUDED.selector, selector_key = EXCLUDED.selector_key, status = EXCLUDED.status,
       resource_version = EXCLUDED.resource_version, first_seen_at = EXCLUDED.first_seen_at,
       last_seen_at = EXCLUDED.last_seen_at, deleted_at = EXCLUDED.deleted_at`,
    [
      cols.id,
      cols.kind,
      cols.namespace,
      cols.name,
      cols.service,
      cols.uid,
      cols.labels,
      cols.selector,
      cols.selectorKey,
      cols.status,
      cols.version,
      cols.firstSeen,
      cols.deleted,
      at,
    ],
  );
}

/**
 * Writes relation rows as they are given (one statement; keys must be distinct). A row already
 * stored keeps its first-seen time.
 */
export async function upsertRelations(tx: Queryable, rows: readonly RelationRow[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = {
    type: [] as string[],
    from: [] as string[],
    to: [] as string[],
    source: [] as string[],
    weight: [] as number[],
    firstSeen: [] as string[],
    lastSeen: [] as string[],
    deleted: [] as (string | null)[],
  };
  for (const r of rows) {
    cols.type.push(r.type);
    cols.from.push(r.from);
    cols.to.push(r.to);
    cols.source.push(r.source);
    cols.weight.push(r.weight);
    cols.firstSeen.push(r.firstSeenAt);
    cols.lastSeen.push(r.lastSeenAt);
    cols.deleted.push(r.deletedAt);
  }
  await tx.query(
    `INSERT INTO rca_relations (tenant_id, type, from_id, to_id, source_id, weight, first_seen_at,
       last_seen_at, deleted_at)
     SELECT ${TENANT}, r.type, r.from_id, r.to_id, r.source_id, r.weight, r.first_seen, r.last_seen,
       r.deleted
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::timestamptz[],
       $7::timestamptz[], $8::timestamptz[])
       AS r(type, from_id, to_id, source_id, weight, first_seen, last_seen, deleted)
     ON CONFLICT (tenant_id, from_id, type, to_id, source_id) DO UPDATE SET
       weight = EXCLUDED.weight, last_seen_at = EXCLUDED.last_seen_at,
       deleted_at = EXCLUDED.deleted_at`,
    [
      cols.type,
      cols.from,
      cols.to,
      cols.source,
      cols.weight,
      cols.firstSeen,
      cols.lastSeen,
      cols.deleted,
    ],
  );
}
