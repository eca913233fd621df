import { createHash } from "node:crypto";
import type { Queryable } from "@kamiyo/db";
import { newId } from "./ids.ts";

/** One mutation, as the tenant's admins read it. */
export interface AuditEntry {
  id: string;
  tenantId: string;
  at: number;
  actor: string;
  /** `<resource>.<verb>`: `webhook.create`, `api_key.revoke`… */
  action: string;
  /** The id of what changed. */
  target: string;
  requestId: string | null;
  /** SHA-256 of the JSON before / after (null: did not exist). Proves what changed without copying it. */
  beforeHash: string | null;
  afterHash: string | null;
}

export interface AuditInput {
  tenantId: string;
  actor: string;
  action: string;
  target: string;
  requestId: string | null;
  before: unknown;
  after: unknown;
  nowMs: number;
}

/** SHA-256 of a value's JSON with keys sorted, or null for null/undefined. */
export function stateHash(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** Appends an entry; call in the transaction of the mutation it records. */
export async function recordAudit(q: Queryable, e: AuditInput): Promise<AuditEntry> {
  const entry: AuditEntry = {
    id: newId("aud", e.nowMs),
    tenantId: e.tenantId,
    at: e.nowMs,
    actor: e.actor,
    action: e.action,
    target: e.target,
    requestId: e.requestId,
    beforeHash: stateHash(e.before),
    afterHash: stateHash(e.after),
  };
  await q.query(
    `INSERT INTO audit_log (tenant_id, id, at, actor, action, target, request_id, before_hash, after_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      entry.tenantId,
      entry.id,
      new Date(entry.at),
      entry.actor,
      entry.action,
      entry.target,
      entry.requestId,
      entry.beforeHash,
      entry.afterHash,
    ],
  );
  return entry;
}

/** The tenant's entries newest first, before an (at, id) position, at most `limit`. */
export async function auditPage(
  q: Queryable,
  tenantId: string,
  opts: { before?: { at: number; id: string }; since?: number; limit: number },
): Promise<AuditEntry[]> {
  const rows = await q.query<{
    tenant_id: string;
    id: string;
    at: Date;
    actor: string;
    action: string;
    target: string;
    request_id: string | null;
    before_hash: string | null;
    after_hash: string | null;
  }>(
    `SELECT * FROM audit_log
     WHERE tenant_id = $1
       AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3))
       AND ($4::timestamptz IS NULL OR at >= $4)
     ORDER BY at DESC, id DESC LIMIT $5`,
    [
      tenantId,
      opts.before ? new Date(opts.before.at) : null,
      opts.before?.id ?? "",
      opts.since === undefined ? null : new Date(opts.since),
      opts.limit,
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    at: r.at.getTime(),
    actor: r.actor,
    action: r.action,
    target: r.target,
    requestId: r.request_id,
    beforeHash: r.before_hash,
    afterHash: r.after_hash,
  }));
}
