import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { type KeyMode, keyHash, keyPrefix, newKey } from "./api-key-format.ts";
import { newId } from "./ids.ts";
import type { Role, Scope } from "./roles.ts";

/** A stored key as lists show it: never the key, never its hash. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  role: Role;
  scopes: Scope[];
  operator: boolean;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  replacedBy: string | null;
}

export interface NewKeyInput {
  tenantId: string;
  name: string;
  role: Role;
  scopes?: readonly Scope[];
  mode?: KeyMode;
  operator?: boolean;
  createdBy: string;
  nowMs: number;
  expiresAt?: number | null;
}

interface KeyRow {
  tenant_id: string;
  id: string;
  name: string;
  prefix: string;
  role: Role;
  scopes: Scope[];
  operator: boolean;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  replaced_by: string | null;
}

const COLUMNS =
  "tenant_id, id, name, prefix, role, scopes, operator, created_by, created_at, expires_at, revoked_at, last_used_at, replaced_by";

const ms = (d: Date | null) => (d ? d.getTime() : null);

function toRecord(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    scopes: r.scopes,
    operator: r.operator,
    createdBy: r.created_by,
    createdAt: r.created_at.getTime(),
    expiresAt: ms(r.expires_at),
    revokedAt: ms(r.revoked_at),
    lastUsedAt: ms(r.last_used_at),
    replacedBy: r.replaced_by,
  };
}

/**
 * Stores a new key's hash.
 * @returns the record and the key itself, which is not stored and cannot be shown again.
 */
export async function createApiKey(
  q: Queryable,
  input: NewKeyInput,
): Promise<{ record: ApiKeyRecord; key: string }> {
  const key = newKey(input.mode ?? "live");
  const [row] = await q.query<KeyRow>(
    `INSERT INTO api_keys (tenant_id, id, name, prefix, hash, role, scopes, operator, created_by,
       created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING ${COLUMNS}`,
    [
      input.tenantId,
      newId("key", input.nowMs),
      input.name,
      keyPrefix(key),
      keyHash(key),
      input.role,
      input.scopes ?? [],
      input.operator ?? false,
      input.createdBy,
      new Date(input.nowMs),
      input.expiresAt == null ? null : new Date(input.expiresAt),
    ],
  );
  return { record: toRecord(row as KeyRow), key };
}

/** The tenant's keys, newest first, revoked ones included. */
export async function listApiKeys(q: Queryable, tenantId: string): Promise<ApiKeyRecord[]> {
  const rows = await q.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`,
    [tenantId],
  );
  return rows.map(toRecord);
}

export async function getApiKey(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<ApiKeyRecord | null> {
  const [row] = await q.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return row ? toRecord(row) : null;
}

/**
 * Revokes a key (idempotent: a revoked key keeps its first revocation time).
 * @returns the record, or null when the tenant has no such key.
 */
export async function revokeApiKey(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<ApiKeyRecord | null> {
  const [row] = await q.query<KeyRow>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, new Date(nowMs)],
  );
  return row ? toRecord(row) : null;
}

/**
 * Replaces a key with a new one of the same name, role and scopes. The old key stops working
 * `graceMs` from now (0: at once), so clients can switch over without an outage.
 * @throws AppError("not_found") when the tenant has no such key; AppError("conflict") when it is
 *   revoked or already replaced.
 */
export async function rotateApiKey(
  q: Queryable,
  tenantId: string,
  id: string,
  opts: { nowMs: number; graceMs: number; actor: string },
): Promise<{ old: ApiKeyRecord; record: ApiKeyRecord; key: string }> {
  const [row] = await q.query<KeyRow>(
    `SELECT ${COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [tenantId, id],
  );
  if (!row) throw new AppError("not_found", `no API key ${id}`);
  const old = toRecord(row);
  if (old.revokedAt !== null || old.replacedBy !== null)
    throw new AppError("conflict", `API key ${id} is revoked or was already rotated`);
  const created = await createApiKey(q, {
    tenantId,
    name: old.name,
    role: old.role,
    scopes: old.scopes,
    mode: old.prefix.startsWith("kmy_test_") ? "test" : "live",
    operator: old.operator,
    createdBy: opts.actor,
    nowMs: opts.nowMs,
    expiresAt: old.expiresAt,
  });
  const endsAt = opts.nowMs + opts.graceMs;
  const [updated] = await q.query<KeyRow>(
    `UPDATE api_keys SET replaced_by = $3,
       expires_at = CASE WHEN expires_at IS NULL OR expires_at > $4 THEN $4 ELSE expires_at END,
       revoked_at = CASE WHEN $5 THEN $4 ELSE revoked_at END
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, created.record.id, new Date(endsAt), opts.graceMs === 0],
  );
  return { old: toRecord(updated as KeyRow), ...created };
}

/** What authentication needs to know of a key. */
export interface KeyGrant {
  tenantId: string;
  id: string;
  role: Role;
  scopes: Scope[];
  operator: boolean;
  expiresAt: number | null;
  revokedAt: number | null;
  tenantActive: boolean;
}

/**
 * Looks a presented key up by its hash, across tenants (the SECURITY DEFINER function
 * `find_api_key`: the only cross-tenant read the application role may make).
 */
export async function findKeyGrant(q: Queryable, key: string): Promise<KeyGrant | null> {
  const [r] = await q.query<{
    tenant_id: string;
    id: string;
    role: Role;
    scopes: Scope[];
    operator: boolean;
    expires_at: Date | null;
    revoked_at: Date | null;
    tenant_status: string;
  }>("SELECT * FROM find_api_key($1)", [keyHash(key)]);
  if (!r) return null;
  return {
    tenantId: r.tenant_id,
    id: r.id,
    role: r.role,
    scopes: r.scopes,
    operator: r.operator,
    expiresAt: ms(r.expires_at),
    revokedAt: ms(r.revoked_at),
    tenantActive: r.tenant_status === "active",
  };
}

/** Records when a key was last used. */
export async function touchApiKey(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<void> {
  await q.query("UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2", [
    tenantId,
    id,
    new Date(nowMs),
  ]);
}
