import { insertRows, type Queryable } from "@kamiyo/db";
import { newId } from "../ids.ts";
import type { Alert, SendOutcome } from "../types.ts";
import type { ChannelSecretBox } from "./channel-secrets.ts";
import { type Channel, type ChannelRow, readChannel } from "./channels.ts";

/** A delivery a worker holds until its lease ends. */
export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  /** This attempt's number, from 1. */
  attempt: number;
  /** Attempts since the latest manual replay (the retry schedule's position). */
  scheduleStep: number;
  alert: Alert;
  channel: Channel;
  /**
   * Why the channel's secrets could not be opened (a key gone from the ring): the attempt fails,
   * to be retried once the key is back, and `channel` holds them still sealed.
   */
  unreadable?: string;
}

export type DeliveryStatus = "pending" | "delivered" | "exhausted" | "cancelled";

/**
 * What stored deliveries are for: `send` (pending, for the delivery workers) or `record` (a
 * replay: stored cancelled with {@link RECORDED_ONLY}, so no worker ever sends them, even one
 * sharing the database).
 */
export type DeliveryMode = "send" | "record";

/** The `last_error` of a delivery stored in `record` mode. */
export const RECORDED_ONLY = "recorded by a replay, never sent";

/** An alert as stored, with its deliveries and their channels. */
export interface StoredAlert {
  alert: Alert;
  deliveries: { id: string; channel: Channel }[];
}

/**
 * Stores an alert and one delivery per channel, pending and due at `nowMs` (or, in `record`
 * mode, cancelled). Call it inside the transaction that decided the alert, so that an alert is
 * never stored without its deliveries.
 * @returns the delivery ids (`msg_…`, the webhook-id receivers see), in channel order.
 */
export async function insertAlert(
  q: Queryable,
  alert: Alert,
  fingerprint: string | null,
  channelIds: readonly string[],
  nowMs: number,
  mode: DeliveryMode = "send",
): Promise<string[]> {
  await q.query(
    `INSERT INTO alerts (tenant_id, id, type, fingerprint, severity, title, body, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      alert.tenantId,
      alert.id,
      alert.type,
      fingerprint,
      alert.severity,
      alert.title,
      JSON.stringify(alert),
      new Date(alert.createdAt),
    ],
  );
  const ids = channelIds.map(() => newId("msg", nowMs));
  const now = new Date(nowMs);
  const send = mode === "send";
  await insertRows(
    q,
    "deliveries",
    [
      "tenant_id",
      "id",
      "alert_id",
      "channel_id",
      "status",
      "next_attempt_at",
      "created_at",
      "last_error",
      "finished_at",
    ],
    channelIds.map((c, i) => [
      alert.tenantId,
      ids[i],
      alert.id,
      c,
      send ? "pending" : "cancelled",
      now,
      now,
      send ? null : RECORDED_ONLY,
      send ? null : now,
    ]),
  );
  return ids;
}

/** {@link insertAlert} for channels: @returns the alert with each delivery and its channel. */
export async function storeAlert(
  q: Queryable,
  alert: Alert,
  fingerprint: string | null,
  channels: readonly Channel[],
  nowMs: number,
  mode: DeliveryMode = "send",
): Promise<StoredAlert> {
  const ids = await insertAlert(
    q,
    alert,
    fingerprint,
    channels.map((c) => c.id),
    nowMs,
    mode,
  );
  return { alert, deliveries: channels.map((channel, i) => ({ id: ids[i] as string, channel })) };
}

interface ClaimRow {
  id: string;
  tenant_id: string;
  channel_id: string;
  attempts: number;
  replayed_after: number;
  body: Alert;
}

/**
 * Claims up to `limit` due deliveries of enabled channels for `leaseMs`: other workers skip them
 * (`FOR UPDATE SKIP LOCKED`), and if this worker dies they fall due again when the lease ends.
 * The lease must outlast an attempt (the request timeout).
 */
export async function claimDue(
  q: Queryable,
  workerId: string,
  nowMs: number,
  leaseMs: number,
  limit: number,
  box: ChannelSecretBox,
): Promise<ClaimedDelivery[]> {
  const rows = await q.query<ClaimRow>(
    `WITH due AS (
       SELECT d.tenant_id, d.id FROM deliveries d
       JOIN alert_channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND c.enabled
       ORDER BY d.next_attempt_at
       LIMIT $4
       FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE deliveries d SET next_attempt_at = $2, claimed_by = $3, attempts = d.attempts + 1
       FROM due WHERE d.tenant_id = due.tenant_id AND d.id = due.id
       RETURNING d.tenant_id, d.id, d.alert_id, d.channel_id, d.attempts, d.replayed_after
     )
     SELECT claimed.id, claimed.tenant_id, claimed.channel_id, claimed.attempts,
       claimed.replayed_after, a.body
     FROM claimed
     JOIN alerts a ON a.tenant_id = claimed.tenant_id AND a.id = claimed.alert_id`,
    [new Date(nowMs), new Date(nowMs + leaseMs), workerId, limit],
  );
  if (rows.length === 0) return [];
  // A batch usually goes to few channels: each is read once, not once per delivery.
  const keys = [...new Map(rows.map((r) => [`${r.tenant_id}|${r.channel_id}`, r])).values()];
  const channels = new Map<string, { channel: Channel; unreadable?: string }>();
  for (const c of await q.query<ChannelRow>(
    `SELECT c.* FROM alert_channels c
     JOIN unnest($1::text[], $2::text[]) AS k (tenant_id, id)
       ON c.tenant_id = k.tenant_id AND c.id = k.id`,
    [keys.map((r) => r.tenant_id), keys.map((r) => r.channel_id)],
  )) {
    // One channel's unreadable secret fails its own deliveries, not the batch.
    channels.set(`${c.tenant_id}|${c.id}`, readChannel(c, box));
  }
  return rows.flatMap((r) => {
    const channel = channels.get(`${r.tenant_id}|${r.channel_id}`);
    // A channel deleted since the claim takes its deliveries with it (ON DELETE CASCADE).
    if (!channel) return [];
    return [
      {
        id: r.id,
        tenantId: r.tenant_id,
        attempt: r.attempts,
        scheduleStep: r.attempts - r.replayed_after,
        alert: r.body,
        ...channel,
      },
    ];
  });
}

/** What became of one claimed delivery after its attempt. */
export interface AttemptResult {
  delivery: ClaimedDelivery;
  startedAt: number;
  outcome: SendOutcome;
  /** Set for a delivery to try again; null when it is finished. */
  nextAttemptAt: number | null;
  status: DeliveryStatus;
}

/** Records a batch of attempts and the deliveries' new states in two statements. */
export async function recordAttempts(
  q: Queryable,
  workerId: string,
  results: readonly AttemptResult[],
  nowMs: number,
): Promise<void> {
  if (results.length === 0) return;
  // Columns as arrays (unnest): nine parameters instead of nine per row, and times as epoch ms.
  const col = <T>(f: (r: AttemptResult) => T) => results.map(f);
  await q.query(
    `INSERT INTO delivery_attempts (tenant_id, delivery_id, attempt, started_at, latency_ms, ok,
       status_code, error, excerpt)
     SELECT t, d, a, to_timestamp(s / 1000.0), l, o, c, e, x
     FROM unnest($1::text[], $2::text[], $3::int[], $4::float8[], $5::int[], $6::bool[],
       $7::int[], $8::text[], $9::text[]) AS r (t, d, a, s, l, o, c, e, x)
     ON CONFLICT DO NOTHING`,
    [
      col((r) => r.delivery.tenantId),
      col((r) => r.delivery.id),
      col((r) => r.delivery.attempt),
      col((r) => r.startedAt),
      col((r) => Math.round(r.outcome.latencyMs)),
      col((r) => r.outcome.ok),
      col((r) => r.outcome.status),
      col((r) => (r.outcome.ok ? null : r.outcome.error)),
      col((r) => r.outcome.excerpt),
    ],
  );
  // Only rows this worker still holds: a lease that ran out may have passed to another worker.
  await q.query(
    `UPDATE deliveries d SET status = r.status,
       next_attempt_at = coalesce(to_timestamp(r.next_ms / 1000.0), d.next_attempt_at),
       last_error = r.error, claimed_by = NULL,
       finished_at = CASE WHEN r.status = 'pending' THEN NULL ELSE $5::timestamptz END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $6::text[])
       AS r (tenant_id, id, status, next_ms, error)
     WHERE d.tenant_id = r.tenant_id AND d.id = r.id AND d.claimed_by = $7`,
    [
      col((r) => r.delivery.tenantId),
      col((r) => r.delivery.id),
      col((r) => r.status),
      col((r) => r.nextAttemptAt),
      new Date(nowMs),
      col((r) => (r.outcome.ok ? null : r.outcome.error)),
      workerId,
    ],
  );
}

/** Puts an exhausted or cancelled delivery back in the queue, due now; its retry schedule restarts. */
export async function replayDelivery(
  q: Queryable,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<DeliveryStatus | null> {
  const [row] = await q.query<{ status: DeliveryStatus }>(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = $3, replayed_after = attempts,
       finished_at = NULL, claimed_by = NULL
     WHERE tenant_id = $1 AND id = $2 AND status IN ('exhausted', 'cancelled')
     RETURNING status`,
    [tenantId, id, new Date(nowMs)],
  );
  if (row) return row.status;
  const [existing] = await q.query<{ status: DeliveryStatus }>(
    "SELECT status FROM deliveries WHERE tenant_id = $1 AND id = $2",
    [tenantId, id],
  );
  return existing ? existing.status : null;
}

/** The earliest time a pending delivery of an enabled channel falls due, or null. */
export async function nextDueAt(q: Queryable): Promise<number | null> {
  const [row] = await q.query<{ at: Date | null }>(
    `SELECT min(d.next_attempt_at) AS at FROM deliveries d
     JOIN alert_channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
     WHERE d.status = 'pending' AND c.enabled`,
  );
  return row?.at ? row.at.getTime() : null;
}
