import {
  type Channel,
  type ChannelFilter,
  type ChannelRow,
  deleteChannel,
  newChannel,
  newId,
  saveChannel,
  toChannel,
} from "@kamiyo/alerts";
import { AppError, type Severity } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type { ApiConfig } from "../config.ts";
import type { ApiDeps } from "../deps.ts";
import { refuseOverChannelLimit } from "./channel-limit.ts";
import { type DeliveryJson, type DeliveryLogInput, deliveryPage, queueTest } from "./webhooks.ts";

/** Chat channels a tenant subscribes through the API (signed webhooks have their own routes). */
export const CHAT_KINDS = ["discord", "slack", "telegram"] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

/** What a tenant gives for each kind: the vendor's own address, never a host of its choosing. */
export type ChatSettings =
  | { kind: "discord"; url: string; username?: string }
  | { kind: "slack"; url: string }
  | {
      kind: "telegram";
      botToken: string;
      chatId: string | number;
      disableNotificationBelow?: Severity;
    };

/** A chat channel as the API shows it: where it posts, with its secret part left out. */
export interface ChatChannelJson {
  id: string;
  kind: ChatKind;
  name: string;
  target: string;
  filter: ChannelFilter;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `discord.com/api/webhooks/123…`, `hooks.slack.com/services/T0…`, `telegram chat -100… (bot 123…)`. */
function targetOf(c: Channel): string {
  const cfg = c.config as Record<string, unknown>;
  if (c.kind === "telegram")
    return `telegram chat ${String(cfg.chatId)} (bot ${String(cfg.botToken).split(":")[0]})`;
  const u = new URL(String(cfg.url));
  const parts = u.pathname.split("/").filter(Boolean);
  // Discord: /api/webhooks/{id}/{token}; Slack: /services/{team}/{bot}/{token}: keep the ids.
  return `${u.host}/${parts.slice(0, 3).join("/")}/…`;
}

export function toChatChannelJson(c: Channel): ChatChannelJson {
  return {
    id: c.id,
    kind: c.kind as ChatKind,
    name: c.name,
    target: targetOf(c),
    filter: c.filter,
    enabled: c.enabled,
    disabledReason: c.disabledReason,
    failingSince: c.failingSince === null ? null : iso(c.failingSince),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

const notFound = (id: string) => new AppError("not_found", `no channel with id ${id}`);

async function findChat(deps: ApiDeps, q: Queryable, id: string, lock = false) {
  const tenantId = deps.tenantId;
  const [row] = await q.query<ChannelRow>(
    `SELECT * FROM alert_channels
     WHERE tenant_id = $1 AND id = $2 AND origin = 'api' AND kind = ANY($3::text[])
     ${lock ? "FOR UPDATE" : ""}`,
    [tenantId, id, [...CHAT_KINDS]],
  );
  if (!row) throw notFound(id);
  return toChannel(row, deps.secrets ?? null);
}

/**
 * Subscribes a chat channel.
 * @throws AppError("conflict") when the tenant already has as many chat channels as it may
 *   (`refuseOverChannelLimit`).
 */
export async function createChatChannel(
  deps: ApiDeps,
  config: ApiConfig,
  input: { settings: ChatSettings; name?: string; filter: ChannelFilter },
): Promise<ChatChannelJson> {
  const now = deps.clock.now();
  const { kind, ...settings } = input.settings;
  return deps.db.transaction(async (tx) => {
    // Creations of one tenant queue here, so that two at once cannot both pass the limit.
    await tx.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [deps.tenantId]);
    const [count] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alert_channels
       WHERE tenant_id = $1 AND origin = 'api' AND kind = ANY($2::text[])`,
      [deps.tenantId, [...CHAT_KINDS]],
    );
    await refuseOverChannelLimit(tx, deps.tenantId, config, "chat channel", count?.n ?? 0);
    const channel = newChannel({
      tenantId: deps.tenantId,
      id: newId("chn", now),
      kind,
      name: input.name ?? kind,
      origin: "api",
      config: settings,
      filter: input.filter,
      nowMs: now,
    });
    await saveChannel(tx, channel, deps.secrets ?? null);
    return toChatChannelJson(channel);
  });
}

/** The tenant's chat channels, oldest first. */
export async function listChatChannels(deps: ApiDeps): Promise<{ data: ChatChannelJson[] }> {
  const rows = await deps.db.query<ChannelRow>(
    `SELECT * FROM alert_channels
     WHERE tenant_id = $1 AND origin = 'api' AND kind = ANY($2::text[])
     ORDER BY created_at, id`,
    [deps.tenantId, [...CHAT_KINDS]],
  );
  return { data: rows.map((r) => toChatChannelJson(toChannel(r, deps.secrets ?? null))) };
}

export async function getChatChannel(deps: ApiDeps, id: string): Promise<ChatChannelJson> {
  return toChatChannelJson(await findChat(deps, deps.db, id));
}

/** Renames, refilters, or turns a channel on or off (on again clears its failure record). */
export async function updateChatChannel(
  deps: ApiDeps,
  id: string,
  input: { name?: string; filter?: ChannelFilter; enabled?: boolean },
): Promise<ChatChannelJson> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const c = await findChat(deps, tx, id, true);
    const reEnabled = input.enabled === true && !c.enabled;
    const next: Channel = {
      ...c,
      name: input.name ?? c.name,
      filter: input.filter ?? c.filter,
      enabled: input.enabled ?? c.enabled,
      disabledReason:
        input.enabled === false ? "disabled through the API" : reEnabled ? null : c.disabledReason,
      failingSince: reEnabled ? null : c.failingSince,
      updatedAt: now,
    };
    await saveChannel(tx, next, deps.secrets ?? null);
    return toChatChannelJson(next);
  });
}

export async function deleteChatChannel(deps: ApiDeps, id: string): Promise<void> {
  await findChat(deps, deps.db, id);
  if (!(await deleteChannel(deps.db, deps.tenantId, id))) throw notFound(id);
}

/** Queues a test alert to one channel. @returns the delivery's id. */
export async function testChatChannel(deps: ApiDeps, id: string): Promise<{ deliveryId: string }> {
  return queueTest(deps, async (tx) => {
    const c = await findChat(deps, tx, id, true);
    if (!c.enabled)
      throw new AppError("conflict", `channel ${id} is disabled: enable it before sending a test`);
    return c;
  });
}

/** A page of a chat channel's delivery log (its test messages and alerts), newest first. */
export async function chatDeliveryLog(
  deps: ApiDeps,
  id: string,
  input: DeliveryLogInput,
): Promise<{ data: DeliveryJson[]; nextCursor: string | null }> {
  await findChat(deps, deps.db, id);
  return deliveryPage(deps, id, input);
}
