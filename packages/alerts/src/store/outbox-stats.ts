import type { Queryable } from "@kamiyo/db";

/** The outbox of one channel kind, across tenants: what `/metrics` reports of it. */
export interface OutboxBacklog {
  /** The channel kind (discord, slack, telegram, email, webhook). */
  channel: string;
  /** Deliveries waiting to be sent (first try or a retry), to enabled channels. */
  pending: number;
  /** How long the longest-due of them has been due, seconds (0: none is due). */
  overdueS: number;
}

/** Channels of one kind, across tenants, by health. */
export interface ChannelHealth {
  channel: string;
  /** Enabled, last attempt succeeded (or none made yet). */
  healthy: number;
  /** Enabled, in a run of failed attempts (`failing_since` set). */
  failing: number;
  /** Disabled (by their owner, or after failing too long or answering 410 Gone). */
  disabled: number;
}

/**
 * Pending deliveries per channel kind and how far the oldest due one is behind, across tenants
 * (the platform's connection). Deliveries to disabled channels are left out: they wait for the
 * channel to be enabled again, not for the worker. Reads the partial index of pending rows.
 */
export async function outboxBacklog(q: Queryable, nowMs: number): Promise<OutboxBacklog[]> {
  const rows = await q.query<{ channel: string; pending: number; overdue_s: number | null }>(
    `SELECT c.kind AS channel, count(*)::int AS pending,
       extract(epoch FROM $1::timestamptz - min(d.next_attempt_at)
         FILTER (WHERE d.next_attempt_at <= $1))::float8 AS overdue_s
     FROM deliveries d
     JOIN alert_channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
     WHERE d.status = 'pending' AND c.enabled
     GROUP BY c.kind ORDER BY c.kind`,
    [new Date(nowMs)],
  );
  return rows.map((r) => ({
    channel: r.channel,
    pending: r.pending,
    overdueS: Math.max(0, r.overdue_s ?? 0),
  }));
}

/** Alert channels per kind by health, across tenants. */
export async function channelHealth(q: Queryable): Promise<ChannelHealth[]> {
  return q.query<ChannelHealth>(
    `SELECT kind AS channel,
       (count(*) FILTER (WHERE enabled AND failing_since IS NULL))::int AS healthy,
       (count(*) FILTER (WHERE enabled AND failing_since IS NOT NULL))::int AS failing,
       (count(*) FILTER (WHERE NOT enabled))::int AS disabled
     FROM alert_channels GROUP BY kind ORDER BY kind`,
  );
}
