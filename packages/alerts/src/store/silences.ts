import type { Finding, Severity } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { newId } from "../ids.ts";

/** Which findings a silence mutes; every matcher present must match. */
export interface SilenceMatchers {
  detector?: string;
  kind?: string;
  /** A subject id: coin, vault or user address, market. */
  subject?: string;
  /** Any of these severities. */
  severity?: Severity[];
}

/** While it lasts, findings matching a silence raise no alert. */
export interface Silence {
  /** `sil_…`. */
  id: string;
  tenantId: string;
  matchers: SilenceMatchers;
  comment: string;
  /** Who made it (an API key id, or "api" without one). */
  createdBy: string;
  /** Epoch ms; active from `startsAt` (inclusive) to `endsAt` (exclusive). */
  startsAt: number;
  endsAt: number;
  createdAt: number;
}

interface SilenceRow {
  tenant_id: string;
  id: string;
  matchers: SilenceMatchers;
  comment: string;
  created_by: string;
  starts_at: Date;
  ends_at: Date;
  created_at: Date;
}

function toSilence(r: SilenceRow): Silence {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    matchers: r.matchers,
    comment: r.comment,
    createdBy: r.created_by,
    startsAt: r.starts_at.getTime(),
    endsAt: r.ends_at.getTime(),
    createdAt: r.created_at.getTime(),
  };
}

/** The longest a silence may last: 30 days. */
export const MAX_SILENCE_MS = 30 * 86_400_000;

/** What is wrong with ending a silence started at `nowMs` at `endsAt`, or null. */
export function silenceEndProblem(endsAt: number, nowMs: number): string | null {
  if (endsAt <= nowMs) return "must be in the future";
  if (endsAt > nowMs + MAX_SILENCE_MS) return "must be within 30 days";
  return null;
}

/** Whether a silence is in force at `nowMs`. */
export function silenceActive(s: Pick<Silence, "startsAt" | "endsAt">, nowMs: number): boolean {
  return s.startsAt <= nowMs && nowMs < s.endsAt;
}

/**
 * Whether `matchers` mute `finding`: every matcher present must match (`subject` is compared with
 * the finding's subject id). Matchers with no field at all match every finding.
 */
export function silenced(
  matchers: SilenceMatchers,
  finding: Pick<Finding, "detector" | "kind" | "subject" | "severity">,
): boolean {
  if (matchers.detector !== undefined && matchers.detector !== finding.detector) return false;
  if (matchers.kind !== undefined && matchers.kind !== finding.kind) return false;
  if (matchers.subject !== undefined && matchers.subject !== finding.subject.id) return false;
  if (matchers.severity !== undefined && !matchers.severity.includes(finding.severity))
    return false;
  return true;
}

/** Stores a new silence (`sil_…` id, created at `nowMs`). */
export async function createSilence(
  q: Queryable,
  input: Omit<Silence, "id" | "createdAt">,
  nowMs: number,
): Promise<Silence> {
  const s: Silence = { ...input, id: newId("sil", nowMs), createdAt: nowMs };
  await q.query(
    `INSERT INTO silences (tenant_id, id, matchers, comment, created_by, starts_at, ends_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      s.tenantId,
      s.id,
      JSON.stringify(s.matchers),
      s.comment,
      s.createdBy,
      new Date(s.startsAt),
      new Date(s.endsAt),
      new Date(s.createdAt),
    ],
  );
  return s;
}

export async function getSilence(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<Silence | null> {
  const [r] = await q.query<SilenceRow>("SELECT * FROM silences WHERE tenant_id = $1 AND id = $2", [
    tenantId,
    id,
  ]);
  return r ? toSilence(r) : null;
}

/**
 * A tenant's silences, newest first (ties by id); `activeAt` keeps those in force then,
 * `inactiveAt` those not in force then (ended, or not started). `before` (the last silence of the
 * previous page) and `limit` page through them.
 */
export async function listSilences(
  q: Queryable,
  tenantId: string,
  opts: {
    activeAt?: number;
    inactiveAt?: number;
    limit?: number;
    before?: { createdAt: number; id: string };
  } = {},
): Promise<Silence[]> {
  const where = ["tenant_id = $1"];
  const params: unknown[] = [tenantId];
  if (opts.activeAt !== undefined) {
    params.push(new Date(opts.activeAt));
    where.push(`starts_at <= $${params.length}`, `ends_at > $${params.length}`);
  }
  if (opts.inactiveAt !== undefined) {
    params.push(new Date(opts.inactiveAt));
    where.push(`(starts_at > $${params.length} OR ends_at <= $${params.length})`);
  }
  if (opts.before !== undefined) {
    params.push(new Date(opts.before.createdAt), opts.before.id);
    where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
  }
  let limit = "";
  if (opts.limit !== undefined) {
    params.push(opts.limit);
    limit = ` LIMIT $${params.length}`;
  }
  const rows = await q.query<SilenceRow>(
    `SELECT * FROM silences WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC${limit}`,
    params,
  );
  return rows.map(toSilence);
}

/**
 * Ends a silence now: `ends_at` becomes `nowMs` (unless it ended already; a silence that had not
 * started yet never will). @returns the silence as stored, or null when there is none with this id.
 */
export async function expireSilence(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<Silence | null> {
  const [r] = await q.query<SilenceRow>(
    `UPDATE silences SET ends_at = LEAST(ends_at, $3), starts_at = LEAST(starts_at, ends_at, $3)
     WHERE tenant_id = $1 AND id = $2 RETURNING *`,
    [tenantId, id, new Date(nowMs)],
  );
  return r ? toSilence(r) : null;
}
