import type { Queryable } from "@kamiyo/db";
import { canonicalJson } from "./canonical-json.ts";
import { auditGenesisHash, auditRecordHashOfCanonicalBody } from "./record-hash.ts";

/** What a caller appends: a decision today, anything a tenant must be able to prove later. */
export interface AuditRecordInput {
  /** What the record is, e.g. "decision". */
  kind: string;
  /** When it happened, ms since the epoch (stored and hashed to the millisecond). */
  at: number;
  /** The record: any JSON object (a decision's inputs, policy version, verdict and reasons). */
  body: Readonly<Record<string, unknown>>;
}

/** A record as appended: its place in the chain. */
export interface AppendedAuditRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

/** Records between two automatic checkpoints. */
export const AUDIT_CHECKPOINT_EVERY = 1_000;

/** The tenant's chain head, under the tenant's chain lock. */
interface ChainHead {
  tenantId: string;
  seq: number;
  hash: string;
}

/** Takes the transaction's tenant's chain lock (the tenant is `app.tenant_id`, set by tenantDb). */
const CHAIN_LOCK = `pg_advisory_xact_lock(hashtext('shield_audit/' || current_setting('app.tenant_id', true)))`;

/**
 * Takes the tenant's audit-chain lock until the transaction ends, before anything else the
 * transaction reads: a writer that decides from the tenant's state (the policy check reserving
 * spend) then sees everything the previous holder committed, and its decisions and the chain stay
 * in one order. Appending takes it again (the lock is re-entrant).
 * @throws Error outside a tenant's transaction (`tenantDb(db, tenantId).transaction`).
 */
export async function lockAuditChain(tx: Queryable): Promise<void> {
  const [lock] = await tx.query<{ tenant: string | null }>(
    `SELECT current_setting('app.tenant_id', true) AS tenant, ${CHAIN_LOCK}`,
  );
  if (!lock?.tenant)
    throw new Error("the audit trail is written in a tenant's transaction (tenantDb)");
}

/**
 * Takes the tenant's audit-chain lock until the transaction ends (appenders of one tenant queue,
 * other tenants do not wait), then reads the head. Two statements: the head is read after the
 * lock is held, so it includes what the previous holder committed.
 * @throws Error outside a tenant's transaction (`tenantDb(db, tenantId).transaction`).
 */
async function lockChainHead(tx: Queryable): Promise<ChainHead> {
  const [lock] = await tx.query<{ tenant: string | null }>(
    `SELECT current_setting('app.tenant_id', true) AS tenant, ${CHAIN_LOCK}`,
  );
  const tenantId = lock?.tenant;
  if (!tenantId) throw new Error("the audit trail is written in a tenant's transaction (tenantDb)");
  const [head] = await tx.query<{ seq: number; hash: string }>(
    `SELECT seq, hash FROM shield_audit_records WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`,
    [tenantId],
  );
  return head
    ? { tenantId, seq: Number(head.seq), hash: head.hash }
    : { tenantId, seq: 0, hash: auditGenesisHash(tenantId) };
}

/**
 * Appends `records` to the tenant's chain, in order, inside the caller's transaction of the
 * tenant's view, so a decision and its record commit together; writes a checkpoint at every
 * multiple of `checkpointEvery` (default `AUDIT_CHECKPOINT_EVERY`). One insert for the batch.
 * @throws Error outside a tenant's transaction, for an empty kind, an invalid time or
 *   `checkpointEvery`, or a body JSON cannot hold (NaN, Infinity, a lone surrogate, a cycle;
 *   PostgreSQL refuses `\u0000`).
 */
export async function appendAuditRecords(
  tx: Queryable,
  records: readonly AuditRecordInput[],
  opts: { checkpointEvery?: number } = {},
): Promise<AppendedAuditRecord[]> {
  if (records.length === 0) return [];
  const every = opts.checkpointEvery ?? AUDIT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(every) || every < 1)
    throw new Error(`checkpointEvery: expected a whole number ≥ 1, got ${every}`);
  const head = await lockChainHead(tx);
  const rows: (AppendedAuditRecord & { kind: string; at: string; body: string })[] = [];
  let prevHash = head.hash;
  for (const [i, r] of records.entries()) {
    if (r.kind === "") throw new Error("an audit record needs a kind");
    const seq = head.seq + i + 1;
    const at = new Date(r.at).toISOString();
    const body = canonicalJson(r.body);
    const hash = auditRecordHashOfCanonicalBody(
      { seq, kind: r.kind, at, prev_hash: prevHash },
      body,
    );
    rows.push({ seq, kind: r.kind, at, body, prevHash, hash });
    prevHash = hash;
  }
  const col = <K extends keyof (typeof rows)[number]>(key: K, of = rows) => of.map((r) => r[key]);
  // The bodies go as one JSON array, already JSON: no array-literal escaping of each body on
  // either side, and PostgreSQL parses each body once into its jsonb.
  await tx.query(
    `INSERT INTO shield_audit_records (tenant_id, seq, kind, at, body, prev_hash, hash)
     SELECT $1, r.seq, r.kind, r.at, b.body, r.prev_hash, r.hash
     FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $6::text[], $7::text[])
         WITH ORDINALITY AS r(seq, kind, at, prev_hash, hash, i)
       JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS b(body, i) USING (i)`,
    [
      head.tenantId,
      col("seq"),
      col("kind"),
      col("at"),
      `[${col("body").join(",")}]`,
      col("prevHash"),
      col("hash"),
    ],
  );
  const due = rows.filter((r) => r.seq % every === 0);
  if (due.length > 0)
    await tx.query(
      `INSERT INTO shield_audit_checkpoints (tenant_id, seq, hash, at)
       SELECT $1, c.seq, c.hash, c.at
       FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS c(seq, hash, at)`,
      [head.tenantId, col("seq", due), col("hash", due), col("at", due)],
    );
  return rows.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash }));
}

/** Appends one record: `appendAuditRecords` with a batch of one. */
export async function appendAuditRecord(
  tx: Queryable,
  record: AuditRecordInput,
  opts: { checkpointEvery?: number } = {},
): Promise<AppendedAuditRecord> {
  const [appended] = await appendAuditRecords(tx, [record], opts);
  return appended as AppendedAuditRecord;
}

/**
 * Writes a checkpoint at the tenant's chain head now (on demand: before an export, at the end of
 * a billing period), unless one is there already.
 * @returns the checkpoint, or null for an empty chain.
 * @throws Error outside a tenant's transaction.
 */
export async function writeAuditCheckpoint(
  tx: Queryable,
  atMs: number,
): Promise<{ seq: number; hash: string } | null> {
  const head = await lockChainHead(tx);
  if (head.seq === 0) return null;
  await tx.query(
    `INSERT INTO shield_audit_checkpoints (tenant_id, seq, hash, at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, seq) DO NOTHING`,
    [head.tenantId, head.seq, head.hash, new Date(atMs).toISOString()],
  );
  return { seq: head.seq, hash: head.hash };
}
