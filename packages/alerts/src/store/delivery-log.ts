import type { Severity } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type { AlertType } from "../types.ts";
import type { DeliveryStatus } from "./outbox.ts";

/** One recorded attempt of a delivery. */
export interface DeliveryAttempt {
  /** From 1. */
  attempt: number;
  /** Epoch ms. */
  startedAt: number;
  latencyMs: number;
  ok: boolean;
  /** HTTP status, or null when no response came (timeout, refused connection). */
  statusCode: number | null;
  error: string | null;
  /** The start of the response body (at most 1 KB). */
  excerpt: string;
}

/** A delivery as its endpoint's log shows it: the alert it carries and every attempt. */
export interface DeliveryLogEntry {
  /** `msg_…`: the webhook-id receivers see. */
  id: string;
  tenantId: string;
  channelId: string;
  status: DeliveryStatus;
  alert: { id: string; type: AlertType; title: string; severity: Severity };
  /** While pending: when it is next due (or when a worker's lease on it ends). Epoch ms. */
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
  /** Oldest first. */
  attempts: DeliveryAttempt[];
}

/** A keyset position in a channel's delivery log. */
export interface DeliveryCursor {
  createdAt: number;
  id: string;
}

interface DeliveryRow {
  tenant_id: string;
  id: string;
  channel_id: string;
  status: DeliveryStatus;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
  alert_id: string;
  alert_type: AlertType;
  alert_title: string;
  alert_severity: Severity;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  latency_ms: number;
  ok: boolean;
  status_code: number | null;
  error: string | null;
  excerpt: string;
}

const SELECT = `SELECT d.tenant_id, d.id, d.channel_id, d.status, d.next_attempt_at, d.last_error,
    d.created_at, d.finished_at, a.id AS alert_id, a.type AS alert_type, a.title AS alert_title,
    a.severity AS alert_severity
  FROM deliveries d
  JOIN alerts a ON a.tenant_id = d.tenant_id AND a.id = d.alert_id`;

/** Attaches each delivery's attempts (one query for the whole page). */
async function withAttempts(
  q: Queryable,
  tenantId: string,
  rows: readonly DeliveryRow[],
): Promise<DeliveryLogEntry[]> {
  if (rows.length === 0) return [];
  const attempts = await q.query<AttemptRow>(
    `SELECT delivery_id, attempt, started_at, latency_ms, ok, status_code, error, excerpt
     FROM delivery_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2)
     ORDER BY delivery_id, attempt`,
    [tenantId, rows.map((r) => r.id)],
  );
  const byDelivery = new Map<string, DeliveryAttempt[]>();
  for (const a of attempts) {
    const list = byDelivery.get(a.delivery_id) ?? [];
    list.push({
      attempt: a.attempt,
      startedAt: a.started_at.getTime(),
      latencyMs: a.latency_ms,
      ok: a.ok,
      statusCode: a.status_code,
      error: a.error,
      excerpt: a.excerpt,
    });
    byDelivery.set(a.delivery_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    channelId: r.channel_id,
    status: r.status,
    alert: { id: r.alert_id, type: r.alert_type, title: r.alert_title, severity: r.alert_severity },
    nextAttemptAt: r.next_attempt_at.getTime(),
    lastError: r.last_error,
    createdAt: r.created_at.getTime(),
    finishedAt: r.finished_at === null ? null : r.finished_at.getTime(),
    attempts: byDelivery.get(r.id) ?? [],
  }));
}

/**
 * A channel's deliveries, newest first (ties by id), with their attempts: keyset pages on
 * (created_at, id) along the `deliveries_by_channel` index. `before` is the last entry of the
 * previous page.
 */
export async function listDeliveries(
  q: Queryable,
  tenantId: string,
  channelId: string,
  opts: { limit: number; before?: DeliveryCursor; status?: DeliveryStatus },
): Promise<DeliveryLogEntry[]> {
  const where = ["d.tenant_id = $1", "d.channel_id = $2"];
  const params: unknown[] = [tenantId, channelId];
  if (opts.status !== undefined) {
    params.push(opts.status);
    where.push(`d.status = $${params.length}`);
  }
  if (opts.before !== undefined) {
    params.push(new Date(opts.before.createdAt), opts.before.id);
    where.push(`(d.created_at, d.id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(opts.limit);
  const rows = await q.query<DeliveryRow>(
    `${SELECT} WHERE ${where.join(" AND ")} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length}`,
    params,
  );
  return withAttempts(q, tenantId, rows);
}

/** One delivery with its attempts, or null when the tenant has none with this id. */
export async function getDelivery(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<DeliveryLogEntry | null> {
  const rows = await q.query<DeliveryRow>(`${SELECT} WHERE d.tenant_id = $1 AND d.id = $2`, [
    tenantId,
    id,
  ]);
  const [entry] = await withAttempts(q, tenantId, rows);
  return entry ?? null;
}
