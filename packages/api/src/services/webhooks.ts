import {
  type Alert,
  type Channel,
  type ChannelFilter,
  type ChannelRow,
  checkWebhookHost,
  type DeliveryLogEntry,
  type DeliveryStatus,
  deleteChannel,
  generateSecret,
  getDelivery,
  insertAlert,
  listChannels,
  listDeliveries,
  newChannel,
  newId,
  replayDelivery,
  saveChannel,
  toChannel,
} from "@kamiyo/alerts";
import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type { ApiConfig } from "../config.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";
import { refuseOverChannelLimit } from "./channel-limit.ts";

const HOUR = 3_600_000;

/** A webhook endpoint as the API shows it: never its secret, only the secret's first characters. */
export interface WebhookJson {
  id: string;
  url: string;
  name: string;
  description: string | null;
  filter: ChannelFilter;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  secretPrefix: string;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryJson {
  id: string;
  status: DeliveryStatus;
  alert: DeliveryLogEntry["alert"];
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
  attempts: {
    attempt: number;
    startedAt: string;
    latencyMs: number;
    ok: boolean;
    statusCode: number | null;
    error: string | null;
    excerpt: string;
  }[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** `whsec_AbCd…`: enough to tell secrets apart, too little to use. */
export function secretPrefix(secret: string | null): string {
  return secret ? `${secret.slice(0, 10)}…` : "";
}

export function toWebhookJson(c: Channel, nowMs: number): WebhookJson {
  const overlapping =
    c.previousSecret !== null && c.previousSecretUntil !== null && nowMs < c.previousSecretUntil;
  return {
    id: c.id,
    url: String(c.config.url),
    name: c.name,
    description: typeof c.config.description === "string" ? c.config.description : null,
    filter: c.filter,
    enabled: c.enabled,
    disabledReason: c.disabledReason,
    failingSince: isoOrNull(c.failingSince),
    secretPrefix: secretPrefix(c.secret),
    previousSecretExpiresAt: overlapping ? isoOrNull(c.previousSecretUntil) : null,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

function toDeliveryJson(d: DeliveryLogEntry): DeliveryJson {
  return {
    id: d.id,
    status: d.status,
    alert: d.alert,
    nextAttemptAt: d.status === "pending" ? iso(d.nextAttemptAt) : null,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    finishedAt: isoOrNull(d.finishedAt),
    attempts: d.attempts.map((a) => ({ ...a, startedAt: iso(a.startedAt) })),
  };
}

function notFound(id: string): AppError {
  return new AppError("not_found", `no webhook with id ${id}`);
}

/** A user webhook of the tenant, locked until the transaction ends. */
async function lockWebhook(deps: ApiDeps, tx: Queryable, id: string): Promise<Channel> {
  const tenantId = deps.tenantId;
  const [row] = await tx.query<ChannelRow>(
    `SELECT * FROM alert_channels
     WHERE tenant_id = $1 AND id = $2 AND kind = 'webhook' AND origin = 'api' FOR UPDATE`,
    [tenantId, id],
  );
  if (!row) throw notFound(id);
  return toChannel(row, deps.secrets ?? null);
}

async function findWebhook(deps: ApiDeps, id: string): Promise<Channel> {
  const [row] = await deps.db.query<ChannelRow>(
    `SELECT * FROM alert_channels
     WHERE tenant_id = $1 AND id = $2 AND kind = 'webhook' AND origin = 'api'`,
    [deps.tenantId, id],
  );
  if (!row) throw notFound(id);
  return toChannel(row, deps.secrets ?? null);
}

/**
 * Resolves a webhook URL's host (every address) before it is saved.
 * @throws AppError("invalid_input") naming `url` when a name does not resolve or resolves to a
 *   non-public address; AppError("upstream_unavailable") when the resolver failed for now.
 */
async function refuseUnsafeHost(deps: ApiDeps, config: ApiConfig, url: string): Promise<void> {
  const problem = await checkWebhookHost(url, {
    allowLoopback: config.webhooksAllowLoopbackHttp,
    resolve: deps.resolveHost,
  });
  if (problem && "refused" in problem)
    throw new AppError("invalid_input", `body "url": ${problem.refused}`);
  if (problem)
    throw new AppError("upstream_unavailable", `body "url": ${problem.unavailable}`, {
      retryable: true,
    });
}

export interface CreateWebhookInput {
  url: string;
  name?: string;
  description?: string;
  filter: ChannelFilter;
}

/**
 * Creates an endpoint with a new signing secret, returned in full only here and on rotation.
 * @throws AppError("conflict") when the tenant already has as many endpoints as it may
 *   (`refuseOverChannelLimit`).
 */
export async function createWebhook(
  deps: ApiDeps,
  config: ApiConfig,
  input: CreateWebhookInput,
): Promise<WebhookJson & { secret: string }> {
  await refuseUnsafeHost(deps, config, input.url);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // Creations of one tenant queue here, so that two at once cannot both pass the limit.
    await tx.query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", [deps.tenantId]);
    const [count] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alert_channels
       WHERE tenant_id = $1 AND kind = 'webhook' AND origin = 'api'`,
      [deps.tenantId],
    );
    await refuseOverChannelLimit(tx, deps.tenantId, config, "webhook endpoint", count?.n ?? 0);
    const secret = generateSecret();
    const channel = newChannel({
      tenantId: deps.tenantId,
      id: newId("chn", now),
      kind: "webhook",
      name: input.name ?? new URL(input.url).hostname,
      origin: "api",
      config: input.description
        ? { url: input.url, description: input.description }
        : { url: input.url },
      filter: input.filter,
      secret,
      nowMs: now,
    });
    await saveChannel(tx, channel, deps.secrets ?? null);
    return { ...toWebhookJson(channel, now), secret };
  });
}

/** The tenant's user webhooks, oldest first. */
export async function listWebhooks(deps: ApiDeps): Promise<{ data: WebhookJson[] }> {
  const now = deps.clock.now();
  const channels = await listChannels(deps.db, deps.tenantId, deps.secrets ?? null, {
    origin: "api",
  });
  return {
    data: channels.filter((c) => c.kind === "webhook").map((c) => toWebhookJson(c, now)),
  };
}

/** @throws AppError("not_found") for an id the tenant has no webhook with. */
export async function getWebhook(deps: ApiDeps, id: string): Promise<WebhookJson> {
  return toWebhookJson(await findWebhook(deps, id), deps.clock.now());
}

export interface UpdateWebhookInput {
  url?: string;
  name?: string;
  description?: string | null;
  filter?: ChannelFilter;
  enabled?: boolean;
}

/**
 * Changes an endpoint. `filter` replaces the whole filter. Enabling a disabled endpoint clears
 * why it was disabled and its run of failures, as does a new URL.
 */
export async function updateWebhook(
  deps: ApiDeps,
  config: ApiConfig,
  id: string,
  input: UpdateWebhookInput,
): Promise<WebhookJson> {
  if (input.url !== undefined) await refuseUnsafeHost(deps, config, input.url);
  const now = deps.clock.now();
  const { channel, reEnabled } = await deps.db.transaction(async (tx) => {
    const c = await lockWebhook(deps, tx, id);
    const next: Channel = { ...c, config: { ...c.config }, updatedAt: now };
    if (input.url !== undefined && input.url !== c.config.url) {
      next.config.url = input.url;
      next.failingSince = null;
    }
    if (input.name !== undefined) next.name = input.name;
    if (input.description === null) delete next.config.description;
    else if (input.description !== undefined) next.config.description = input.description;
    if (input.filter !== undefined) next.filter = input.filter;
    const reEnabled = input.enabled === true && !c.enabled;
    if (reEnabled) {
      next.enabled = true;
      next.disabledReason = null;
      next.failingSince = null;
    } else if (input.enabled === false && c.enabled) {
      next.enabled = false;
      next.disabledReason = "disabled through the API";
    }
    await saveChannel(tx, next, deps.secrets ?? null);
    return { channel: next, reEnabled };
  });
  // Deliveries held while it was disabled are due again.
  if (reEnabled) deps.wakeDeliveries?.();
  return toWebhookJson(channel, now);
}

/** Deletes an endpoint with its deliveries and their attempts. */
export async function deleteWebhook(deps: ApiDeps, id: string): Promise<void> {
  await findWebhook(deps, id);
  if (!(await deleteChannel(deps.db, deps.tenantId, id))) throw notFound(id);
}

/**
 * Gives an endpoint a new secret. The current one becomes the previous secret: deliveries carry
 * a signature by each until `overlapHours` from now (0: the old one stops at once). A secret left
 * from an earlier rotation still overlapping is dropped.
 */
export async function rotateSecret(
  deps: ApiDeps,
  id: string,
  overlapHours: number,
): Promise<WebhookJson & { secret: string }> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const c = await lockWebhook(deps, tx, id);
    const secret = generateSecret();
    const overlap = overlapHours > 0 && c.secret !== null;
    const next: Channel = {
      ...c,
      secret,
      previousSecret: overlap ? c.secret : null,
      previousSecretUntil: overlap ? now + overlapHours * HOUR : null,
      updatedAt: now,
    };
    await saveChannel(tx, next, deps.secrets ?? null);
    return { ...toWebhookJson(next, now), secret };
  });
}

function refuseDisabled(c: Channel, what: string): void {
  if (!c.enabled) {
    throw new AppError(
      "conflict",
      `webhook ${c.id} is disabled (${c.disabledReason ?? "no reason given"}): enable it before ${what}`,
    );
  }
}

/** Queues a `webhook.test` alert to one endpoint. @returns the delivery's id. */
export async function testWebhook(deps: ApiDeps, id: string): Promise<{ deliveryId: string }> {
  return queueTest(deps, async (tx) => {
    const c = await lockWebhook(deps, tx, id);
    refuseDisabled(c, "sending a test");
    return c;
  });
}

/**
 * Queues a `webhook.test` alert to the channel `lock` returns (checked and locked in the same
 * transaction), and wakes the delivery worker. @returns the delivery's id.
 */
export async function queueTest(
  deps: ApiDeps,
  lock: (tx: Queryable) => Promise<Channel>,
): Promise<{ deliveryId: string }> {
  const now = deps.clock.now();
  const deliveryId = await deps.db.transaction(async (tx) => {
    const c = await lock(tx);
    const alert: Alert = {
      id: newId("alr", now),
      tenantId: deps.tenantId,
      type: "webhook.test",
      severity: "info",
      title: `Test delivery to ${c.name}`,
      createdAt: now,
      findings: [],
    };
    const [msg] = await insertAlert(tx, alert, null, [c.id], now);
    return msg as string;
  });
  deps.wakeDeliveries?.();
  return { deliveryId };
}

export interface DeliveryLogInput {
  limit: number;
  cursor?: string;
  status?: DeliveryStatus;
}

/** A page of an endpoint's delivery log, newest first. */
export async function deliveryLog(
  deps: ApiDeps,
  id: string,
  input: DeliveryLogInput,
): Promise<{ data: DeliveryJson[]; nextCursor: string | null }> {
  await findWebhook(deps, id);
  return deliveryPage(deps, id, input);
}

/** A page of the delivery log of a channel of the tenant (checked by the caller), newest first. */
export async function deliveryPage(
  deps: ApiDeps,
  id: string,
  input: DeliveryLogInput,
): Promise<{ data: DeliveryJson[]; nextCursor: string | null }> {
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listDeliveries(deps.db, deps.tenantId, id, {
    limit: input.limit + 1,
    before: before && { createdAt: before.at, id: before.id },
    status: input.status,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    data: page.map(toDeliveryJson),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}

/**
 * Sends an exhausted or cancelled delivery again, due now, with its retry schedule restarted.
 * @throws AppError("conflict") when it is still pending or was delivered, or the endpoint is disabled.
 */
export async function replay(
  deps: ApiDeps,
  id: string,
  deliveryId: string,
): Promise<{ deliveryId: string; status: DeliveryStatus }> {
  const c = await findWebhook(deps, id);
  const d = await getDelivery(deps.db, deps.tenantId, deliveryId);
  if (!d || d.channelId !== id)
    throw new AppError("not_found", `webhook ${id} has no delivery with id ${deliveryId}`);
  if (d.status === "pending" || d.status === "delivered") {
    throw new AppError(
      "conflict",
      d.status === "pending"
        ? `delivery ${deliveryId} is still pending: only exhausted or cancelled deliveries can be replayed`
        : `delivery ${deliveryId} was delivered: only exhausted or cancelled deliveries can be replayed`,
    );
  }
  refuseDisabled(c, "replaying a delivery");
  const status = await replayDelivery(deps.db, deps.tenantId, deliveryId, deps.clock.now());
  if (status === null)
    throw new AppError("not_found", `webhook ${id} has no delivery with id ${deliveryId}`);
  if (status !== "pending") {
    // Changed between the read and the update (deleted, or replayed and finished meanwhile).
    throw new AppError("conflict", `delivery ${deliveryId} changed meanwhile; try again`);
  }
  deps.wakeDeliveries?.();
  return { deliveryId, status };
}
