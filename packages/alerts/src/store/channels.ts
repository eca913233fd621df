import type { SecretBox, Severity } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type { ChannelKind } from "../types.ts";
import {
  type ChannelSecretBox,
  type ChannelSecretFields,
  needsSealing,
  openChannelSecrets,
  sealChannelSecrets,
} from "./channel-secrets.ts";

/** Which findings a channel wants; every field present must match. */
export interface ChannelFilter {
  minSeverity?: Severity;
  detectors?: string[];
  kinds?: string[];
  subjects?: string[];
  /** Exploit-intelligence filters (the exploit issue's incidents carry these). */
  chains?: string[];
  protocols?: string[];
  categories?: string[];
  minAmountUsd?: number;
}

export interface Channel {
  tenantId: string;
  id: string;
  kind: ChannelKind;
  name: string;
  /** 'config': from the operator's configuration (trusted); 'api': a user webhook (SSRF-guarded). */
  origin: "config" | "api";
  config: Record<string, unknown>;
  filter: ChannelFilter;
  secret: string | null;
  previousSecret: string | null;
  previousSecretUntil: number | null;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ChannelRow {
  tenant_id: string;
  id: string;
  kind: ChannelKind;
  name: string;
  origin: "config" | "api";
  config: Record<string, unknown>;
  filter: ChannelFilter;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A new, enabled channel with no failures and no previous secret, created at `nowMs`. */
export function newChannel(
  c: Pick<Channel, "tenantId" | "id" | "kind" | "name" | "origin" | "config" | "filter"> & {
    secret?: string | null;
    nowMs: number;
  },
): Channel {
  const { nowMs, secret, ...rest } = c;
  return {
    ...rest,
    secret: secret ?? null,
    previousSecret: null,
    previousSecretUntil: null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: nowMs,
    updatedAt: nowMs,
  };
}

const ms = (d: Date | null) => (d === null ? null : d.getTime());

/**
 * A stored channel, its secrets opened with `box` ({@link openChannelSecrets}).
 * @throws Error naming the channel when a sealed secret does not open.
 */
export function toChannel(r: ChannelRow, box: ChannelSecretBox): Channel {
  return channelOf(r, openChannelSecrets(box, secretFieldsOf(r)));
}

/**
 * A stored channel with its secrets opened, or, when one does not open (its key left the ring),
 * with them as stored and the reason: the channel still routes, and its deliveries fail with it.
 */
export function readChannel(
  r: ChannelRow,
  box: ChannelSecretBox,
): { channel: Channel; unreadable?: string } {
  try {
    return { channel: toChannel(r, box) };
  } catch (err) {
    return { channel: channelOf(r, secretFieldsOf(r)), unreadable: (err as Error).message };
  }
}

const secretFieldsOf = (r: ChannelRow) => ({
  tenantId: r.tenant_id,
  id: r.id,
  kind: r.kind,
  config: r.config,
  secret: r.secret,
  previousSecret: r.previous_secret,
});

function channelOf(r: ChannelRow, opened: ChannelSecretFields): Channel {
  return {
    tenantId: r.tenant_id,
    id: r.id,
    kind: r.kind,
    name: r.name,
    origin: r.origin,
    config: opened.config,
    filter: r.filter,
    secret: opened.secret,
    previousSecret: opened.previousSecret,
    previousSecretUntil: ms(r.previous_secret_until),
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    failingSince: ms(r.failing_since),
    createdAt: r.created_at.getTime(),
    updatedAt: r.updated_at.getTime(),
  };
}

/** Inserts a channel, or replaces the one with the same id; its secrets sealed with `box`. */
export async function saveChannel(q: Queryable, c: Channel, box: ChannelSecretBox): Promise<void> {
  const sealed = sealChannelSecrets(box, c);
  await q.query(
    `INSERT INTO alert_channels (tenant_id, id, kind, name, origin, config, filter, secret,
       previous_secret, previous_secret_until, enabled, disabled_reason, failing_since, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (tenant_id, id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
       origin = EXCLUDED.origin, config = EXCLUDED.config, filter = EXCLUDED.filter,
       secret = EXCLUDED.secret, previous_secret = EXCLUDED.previous_secret,
       previous_secret_until = EXCLUDED.previous_secret_until, enabled = EXCLUDED.enabled,
       disabled_reason = EXCLUDED.disabled_reason, failing_since = EXCLUDED.failing_since,
       updated_at = EXCLUDED.updated_at`,
    [
      c.tenantId,
      c.id,
      c.kind,
      c.name,
      c.origin,
      JSON.stringify(sealed.config),
      JSON.stringify(c.filter),
      sealed.secret,
      sealed.previousSecret,
      c.previousSecretUntil === null ? null : new Date(c.previousSecretUntil),
      c.enabled,
      c.disabledReason,
      c.failingSince === null ? null : new Date(c.failingSince),
      new Date(c.createdAt),
      new Date(c.updatedAt),
    ],
  );
}

export async function getChannel(
  q: Queryable,
  tenantId: string,
  id: string,
  box: ChannelSecretBox,
): Promise<Channel | null> {
  const [r] = await q.query<ChannelRow>(
    "SELECT * FROM alert_channels WHERE tenant_id = $1 AND id = $2",
    [tenantId, id],
  );
  return r ? toChannel(r, box) : null;
}

/**
 * A tenant's channels, oldest first; `origin` narrows to configured or API-made ones. A channel
 * whose secrets do not open throws, or with `unreadable: "sealed"` is listed with them sealed (so
 * routing goes on, and its deliveries fail with the reason when claimed).
 */
export async function listChannels(
  q: Queryable,
  tenantId: string,
  box: ChannelSecretBox,
  opts: { origin?: "config" | "api"; enabledOnly?: boolean; unreadable?: "throw" | "sealed" } = {},
): Promise<Channel[]> {
  const where = ["tenant_id = $1"];
  const params: unknown[] = [tenantId];
  if (opts.origin) {
    params.push(opts.origin);
    where.push(`origin = $${params.length}`);
  }
  if (opts.enabledOnly) where.push("enabled");
  const rows = await q.query<ChannelRow>(
    `SELECT * FROM alert_channels WHERE ${where.join(" AND ")} ORDER BY created_at, id`,
    params,
  );
  return rows.map((r) =>
    opts.unreadable === "sealed" ? readChannel(r, box).channel : toChannel(r, box),
  );
}

export async function deleteChannel(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const rows = await q.query(
    "DELETE FROM alert_channels WHERE tenant_id = $1 AND id = $2 RETURNING id",
    [tenantId, id],
  );
  return rows.length > 0;
}

/** The signing secrets to send now: the current one, and the previous one while its overlap lasts. */
export function activeSecrets(c: Channel, nowMs: number): string[] {
  const secrets = c.secret ? [c.secret] : [];
  if (c.previousSecret && c.previousSecretUntil !== null && nowMs < c.previousSecretUntil)
    secrets.push(c.previousSecret);
  return secrets;
}

/**
 * Makes the operator-configured channels of a tenant those given: new ones are added, changed
 * ones updated (and enabled again, since their settings changed), removed ones deleted. A
 * channel's enabled state and failure run survive a restart with unchanged settings.
 */
export async function syncConfiguredChannels(
  q: Queryable,
  tenantId: string,
  channels: readonly Channel[],
  box: ChannelSecretBox,
): Promise<void> {
  // Listed with any secret that no longer opens left sealed: it then differs, and is saved again
  // from the configuration.
  const existing = new Map(
    (await listChannels(q, tenantId, box, { origin: "config", unreadable: "sealed" })).map((c) => [
      c.id,
      c,
    ]),
  );
  for (const c of channels) {
    const old = existing.get(c.id);
    existing.delete(c.id);
    const same =
      old &&
      old.kind === c.kind &&
      JSON.stringify(old.config) === JSON.stringify(c.config) &&
      JSON.stringify(old.filter) === JSON.stringify(c.filter) &&
      old.secret === c.secret;
    if (same) continue;
    await saveChannel(q, old ? { ...c, createdAt: old.createdAt } : c, box);
  }
  for (const id of existing.keys()) await deleteChannel(q, tenantId, id);
}

/**
 * Seals every stored channel secret that is not sealed under `box`'s current key: stored before
 * the install had a key ring, or under a key since rotated out of first place. Run at start by
 * the processes that deliver, so a ring set or rotated takes effect on every row. A channel whose
 * sealed secret does not open (its key left the ring) is left as it is and named.
 */
export async function sealStoredChannelSecrets(
  q: Queryable,
  box: SecretBox,
): Promise<{ sealed: number; unreadable: { tenantId: string; id: string; error: string }[] }> {
  const rows = await q.query<ChannelRow>("SELECT * FROM alert_channels ORDER BY tenant_id, id");
  const out = { sealed: 0, unreadable: [] as { tenantId: string; id: string; error: string }[] };
  for (const r of rows) {
    if (!needsSealing(box, secretFieldsOf(r))) continue;
    let c: Channel;
    try {
      c = toChannel(r, box);
    } catch (err) {
      out.unreadable.push({ tenantId: r.tenant_id, id: r.id, error: (err as Error).message });
      continue;
    }
    const s = sealChannelSecrets(box, c);
    // Only if the row is still as read: a channel saved meanwhile was sealed by its writer.
    await q.query(
      `UPDATE alert_channels SET config = $3, secret = $4, previous_secret = $5
       WHERE tenant_id = $1 AND id = $2 AND config = $6 AND secret IS NOT DISTINCT FROM $7
         AND previous_secret IS NOT DISTINCT FROM $8`,
      [
        r.tenant_id,
        r.id,
        JSON.stringify(s.config),
        s.secret,
        s.previousSecret,
        JSON.stringify(r.config),
        r.secret,
        r.previous_secret,
      ],
    );
    out.sealed++;
  }
  return out;
}
