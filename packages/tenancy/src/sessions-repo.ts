import { hash, randomBytes } from "node:crypto";
import type { Queryable } from "@kamiyo/db";
import { newId } from "./ids.ts";
import type { Role } from "./roles.ts";

/** A session lives this long at most after sign-in, however active: 7 days. */
export const SESSION_ABSOLUTE_MS = 7 * 86_400_000;
/** A session unused this long is over: 12 hours. */
export const SESSION_IDLE_MS = 12 * 3_600_000;

/** The cookie's value: 32 random bytes in base64url (43 characters). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new session token. Sent once in the cookie; only its hash is stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

/** True when `text` has the shape of a session token (checked before any lookup). */
export function looksLikeSessionToken(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** The stored form of a token: its SHA-256 (256 random bits need no slow hash). */
export function sessionHash(token: string): Buffer {
  return hash("sha256", token, "buffer");
}

/** A session as stored (never its token or hash). */
export interface SessionRecord {
  id: string;
  tenantId: string;
  userId: string;
  createdAt: number;
  /** The absolute end, epoch ms; the idle end is `lastSeenAt + SESSION_IDLE_MS`. */
  expiresAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
}

/**
 * Opens a session for a person in a tenant (on the tenant's connection).
 * @returns the record and the token, which is not stored and cannot be shown again.
 */
export async function createSession(
  q: Queryable,
  input: { tenantId: string; userId: string; nowMs: number },
): Promise<{ record: SessionRecord; token: string }> {
  const token = newSessionToken();
  const record: SessionRecord = {
    id: newId("ses", input.nowMs),
    tenantId: input.tenantId,
    userId: input.userId,
    createdAt: input.nowMs,
    expiresAt: input.nowMs + SESSION_ABSOLUTE_MS,
    lastSeenAt: input.nowMs,
    revokedAt: null,
  };
  await q.query(
    `INSERT INTO sessions (tenant_id, id, hash, user_id, created_at, expires_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6, $5)`,
    [
      record.tenantId,
      record.id,
      sessionHash(token),
      record.userId,
      new Date(record.createdAt),
      new Date(record.expiresAt),
    ],
  );
  return { record, token };
}

/**
 * Revokes one session of the tenant (idempotent).
 * @returns true when it was live until now.
 */
export async function revokeSession(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<boolean> {
  const rows = await q.query(
    `UPDATE sessions SET revoked_at = $3
     WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`,
    [tenantId, id, new Date(nowMs)],
  );
  return rows.length > 0;
}

/**
 * Revokes a person's sessions: in one tenant (on its connection: a removed membership), or in
 * every tenant but for `except` (on the platform's connection: a changed password).
 * @returns how many were live.
 */
export async function revokeUserSessions(
  q: Queryable,
  input: { userId: string; tenantId?: string; except?: string; nowMs: number },
): Promise<number> {
  const rows = await q.query(
    `UPDATE sessions SET revoked_at = $2
     WHERE user_id = $1 AND revoked_at IS NULL
       AND ($3::text IS NULL OR tenant_id = $3) AND ($4::text IS NULL OR id <> $4)
     RETURNING id`,
    [input.userId, new Date(input.nowMs), input.tenantId ?? null, input.except ?? null],
  );
  return rows.length;
}

/** Records when a session was last used (its idle time counts from here). */
export async function touchSession(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<void> {
  await q.query(
    "UPDATE sessions SET last_seen_at = greatest(last_seen_at, $3) WHERE tenant_id = $1 AND id = $2",
    [tenantId, id, new Date(nowMs)],
  );
}

/** What authentication needs to know of a session. */
export interface SessionGrant {
  tenantId: string;
  id: string;
  userId: string;
  /** The person's role in the tenant now; null once the membership is gone. */
  role: Role | null;
  expiresAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
  tenantActive: boolean;
}

/** Looks a presented token up by its hash, across tenants (`find_session`, SECURITY DEFINER). */
export async function findSessionGrant(q: Queryable, token: string): Promise<SessionGrant | null> {
  const [r] = await q.query<{
    tenant_id: string;
    id: string;
    user_id: string;
    role: Role | null;
    expires_at: Date;
    last_seen_at: Date;
    revoked_at: Date | null;
    tenant_status: string;
  }>("SELECT * FROM find_session($1)", [sessionHash(token)]);
  if (!r) return null;
  return {
    tenantId: r.tenant_id,
    id: r.id,
    userId: r.user_id,
    role: r.role,
    expiresAt: r.expires_at.getTime(),
    lastSeenAt: r.last_seen_at.getTime(),
    revokedAt: r.revoked_at ? r.revoked_at.getTime() : null,
    tenantActive: r.tenant_status === "active",
  };
}

/** True when a session may be used at `nowMs`: not revoked, not past either of its ends. */
export function sessionLive(
  g: Pick<SessionGrant, "revokedAt" | "expiresAt" | "lastSeenAt">,
  nowMs: number,
): boolean {
  return g.revokedAt === null && nowMs < g.expiresAt && nowMs < g.lastSeenAt + SESSION_IDLE_MS;
}
