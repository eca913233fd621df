import { type Db, tenantDb } from "@kamiyo/db";
import type { HashedFields } from "./record-hash.ts";

/** A stored record: its hashed fields and its hash. */
export interface StoredAuditRecord extends HashedFields {
  hash: string;
}

/** A stored checkpoint: the chain's hash at `seq`, written at `at` (ISO 8601). */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  at: string;
}

/** Records a page holds when reading the chain (the memory a reader needs, whatever its length). */
export const AUDIT_PAGE = 1_000;

/**
 * The tenant's records from `fromSeq` (default 1) in seq order, a page at a time (each page its
 * own statement, by the primary key: the trail is append-only, so pages need no shared snapshot).
 */
export async function* auditRecordPages(
  db: Db,
  tenantId: string,
  opts: { fromSeq?: number; pageSize?: number } = {},
): AsyncGenerator<StoredAuditRecord[]> {
  const tdb = tenantDb(db, tenantId);
  const size = opts.pageSize ?? AUDIT_PAGE;
  let after = (opts.fromSeq ?? 1) - 1;
  for (;;) {
    const rows = await tdb.query<{
      seq: number;
      kind: string;
      at: Date;
      body: unknown;
      prev_hash: string;
      hash: string;
    }>(
      `SELECT seq, kind, at, body, prev_hash, hash FROM shield_audit_records
       WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [tenantId, after, size],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      seq: Number(r.seq),
      kind: r.kind,
      at: r.at.toISOString(),
      body: r.body,
      prev_hash: r.prev_hash,
      hash: r.hash,
    }));
    after = Number(rows[rows.length - 1]?.seq);
    if (rows.length < size) return;
  }
}

/** A page of records, newest first; `nextCursor` (a seq) reads the older ones. */
export interface AuditRecordPage {
  items: StoredAuditRecord[];
  nextCursor: number | null;
}

/**
 * The tenant's records newest first, `limit` a page, before seq `before` (a page's `nextCursor`),
 * of one `kind` when asked: what a person browsing the trail reads.
 */
export async function latestAuditRecords(
  db: Db,
  tenantId: string,
  opts: { limit: number; before?: number | undefined; kind?: string | undefined },
): Promise<AuditRecordPage> {
  const rows = await tenantDb(db, tenantId).query<{
    seq: number;
    kind: string;
    at: Date;
    body: unknown;
    prev_hash: string;
    hash: string;
  }>(
    `SELECT seq, kind, at, body, prev_hash, hash FROM shield_audit_records
     WHERE tenant_id = $1 AND seq < $2 AND ($3::text IS NULL OR kind = $3)
     ORDER BY seq DESC LIMIT $4`,
    [tenantId, opts.before ?? Number.MAX_SAFE_INTEGER, opts.kind ?? null, opts.limit + 1],
  );
  const page = rows.slice(0, opts.limit).map((r) => ({
    seq: Number(r.seq),
    kind: r.kind,
    at: r.at.toISOString(),
    body: r.body,
    prev_hash: r.prev_hash,
    hash: r.hash,
  }));
  return {
    items: page,
    nextCursor: rows.length > opts.limit ? (page.at(-1)?.seq ?? null) : null,
  };
}

/** The tenant's checkpoints with `afterSeq < seq <= upToSeq` (default: all after), in seq order. */
export async function auditCheckpoints(
  db: Db,
  tenantId: string,
  range: { afterSeq?: number; upToSeq?: number } = {},
): Promise<AuditCheckpoint[]> {
  const rows = await tenantDb(db, tenantId).query<{ seq: number; hash: string; at: Date }>(
    `SELECT seq, hash, at FROM shield_audit_checkpoints
     WHERE tenant_id = $1 AND seq > $2 AND ($3::bigint IS NULL OR seq <= $3) ORDER BY seq`,
    [tenantId, range.afterSeq ?? 0, range.upToSeq ?? null],
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, at: r.at.toISOString() }));
}
