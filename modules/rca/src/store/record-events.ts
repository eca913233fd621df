import { createHash } from "node:crypto";
import type { Db, Queryable } from "@kamiyo/db";
import type { EventRow } from "../graph/state-events.ts";
import { TENANT } from "./batch-state.ts";

/** The stable id of an event: `rev_` and a hash of its de-duplication key. */
export function eventId(dedupKey: string): string {
  return `rev_${createHash("sha256").update(dedupKey).digest("hex").slice(0, 24)}`;
}

/**
 * Inserts events (one statement), skipping those whose key is already recorded or comes again
 * later in `events`. @returns how many were new.
 */
export async function insertEvents(
  tx: Queryable,
  events: readonly EventRow[],
  at: string,
): Promise<number> {
  if (events.length === 0) return 0;
  const cols = {
    id: [] as string[],
    key: [] as string[],
    resource: [] as string[],
    kind: [] as string[],
    reason: [] as string[],
    severity: [] as string[],
    message: [] as string[],
    data: [] as string[],
    occurred: [] as string[],
  };
  for (const e of events) {
    cols.id.push(eventId(e.dedupKey));
    cols.key.push(e.dedupKey);
    cols.resource.push(e.resourceId);
    cols.kind.push(e.kind);
    cols.reason.push(e.reason);
    cols.severity.push(e.severity);
    cols.message.push(e.message);
    cols.data.push(JSON.stringify(e.data));
    cols.occurred.push(e.occurredAt);
  }
  const inserted = await tx.query(
    `INSERT INTO rca_events (tenant_id, id, dedup_key, resource_id, kind, reason, severity, message,
       data, occurred_at, recorded_at)
     SELECT ${TENANT}, e.id, e.key, e.resource, e.kind, e.reason, e.severity, e.message,
       e.data::jsonb, e.occurred, $10
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::timestamptz[]) AS e(id, key, resource, kind, reason, severity, message, data, occurred)
     ON CONFLICT DO NOTHING
     RETURNING 1`,
    [
      cols.id,
      cols.key,
      cols.resource,
      cols.kind,
      cols.reason,
      cols.severity,
      cols.message,
      cols.data,
      cols.occurred,
      at,
    ],
  );
  return inserted.length;
}

/**
 * Records events from other feeds (metric anomalies, log error bursts) in one transaction of the
 * tenant's view (one statement); an event whose key is already recorded is skipped.
 * @returns how many were new.
 */
export async function recordEvents(db: Db, events: readonly EventRow[], at: Date): Promise<number> {
  return db.transaction((tx) => insertEvents(tx, events, at.toISOString()));
}
