import type { Queryable } from "@kamiyo/db";
import { newId } from "../ids.ts";
import type { Channel, ChannelRow } from "../store/channels.ts";
import { type AttemptResult, insertAlert } from "../store/outbox.ts";
import type { Alert } from "../types.ts";

/**
 * Tracks each channel's run of failures after a batch of attempts: a success ends it; a channel
 * that answered 410 Gone, or has failed without a success for `disableAfterMs`, is disabled and
 * its tenant's other enabled channels are sent an `endpoint.disabled` alert (in this transaction).
 * @returns the ids of the channels disabled now.
 */
export async function updateEndpointHealth(
  tx: Queryable,
  results: readonly AttemptResult[],
  nowMs: number,
  disableAfterMs: number,
): Promise<string[]> {
  const byChannel = new Map<
    string,
    { tenantId: string; id: string; channel: Channel; ok: boolean; gone: boolean }
  >();
  for (const r of results) {
    const key = `${r.delivery.tenantId}|${r.delivery.channel.id}`;
    const seen = byChannel.get(key) ?? {
      tenantId: r.delivery.tenantId,
      id: r.delivery.channel.id,
      // As the delivery claimed it, its secrets opened: what the notice shows of its URL.
      channel: r.delivery.channel,
      ok: false,
      gone: false,
    };
    if (r.outcome.ok) seen.ok = true;
    else if (r.outcome.gone) seen.gone = true;
    byChannel.set(key, seen);
  }
  const now = new Date(nowMs);
  const disabled: string[] = [];
  for (const c of byChannel.values()) {
    if (c.ok && !c.gone) {
      await tx.query(
        "UPDATE alert_channels SET failing_since = NULL WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL",
        [c.tenantId, c.id],
      );
      continue;
    }
    const [row] = await tx.query<ChannelRow>(
      `UPDATE alert_channels SET failing_since = coalesce(failing_since, $3), updated_at = $3
       WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [c.tenantId, c.id, now],
    );
    if (!row?.enabled) continue;
    const failingFor = nowMs - (row.failing_since?.getTime() ?? nowMs);
    const reason = c.gone
      ? "it answered 410 Gone"
      : failingFor >= disableAfterMs
        ? `every attempt failed for ${hours(failingFor)} (since ${row.failing_since?.toISOString()})`
        : null;
    if (!reason) continue;
    const [off] = await tx.query<ChannelRow>(
      `UPDATE alert_channels SET enabled = false, disabled_reason = $3, updated_at = $4
       WHERE tenant_id = $1 AND id = $2 AND enabled RETURNING *`,
      [c.tenantId, c.id, reason, now],
    );
    if (!off) continue;
    disabled.push(off.id);
    await notifyDisabled(tx, { ...c.channel, name: off.name }, reason, nowMs);
  }
  return disabled;
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;

/** Tells the tenant, through its other enabled channels, that `channel` was disabled. */
async function notifyDisabled(
  tx: Queryable,
  channel: Channel,
  reason: string,
  nowMs: number,
): Promise<void> {
  const others = await tx.query<{ id: string }>(
    "SELECT id FROM alert_channels WHERE tenant_id = $1 AND enabled AND id <> $2 ORDER BY id",
    [channel.tenantId, channel.id],
  );
  if (others.length === 0) return;
  const url = typeof channel.config.url === "string" ? channel.config.url : channel.kind;
  const alert: Alert = {
    id: newId("alr", nowMs),
    tenantId: channel.tenantId,
    type: "endpoint.disabled",
    severity: "high",
    title: `Alert channel "${channel.name}" was disabled: ${reason}`,
    createdAt: nowMs,
    findings: [],
    endpoint: { id: channel.id, name: channel.name, url: redactUrl(url), reason },
  };
  await insertAlert(
    tx,
    alert,
    null,
    others.map((o) => o.id),
    nowMs,
  );
}

/** The URL without credentials, query or path secrets (webhook URLs often embed tokens). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? "/…" : "/"}`;
  } catch {
    return "(invalid URL)";
  }
}
