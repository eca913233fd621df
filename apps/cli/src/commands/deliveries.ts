import {
  type DeliveryLogEntry,
  type DeliveryStatus,
  getChannel,
  getDelivery,
  listChannels,
  listDeliveries,
  replayDelivery,
} from "@kamiyo/alerts";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import { InvalidArgumentError } from "commander";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { secretBoxFor } from "../secret-keys.ts";
import { formatTable, iso, oneLine } from "./silence.ts";
import { tenantFor } from "./tenant.ts";

const STATUSES: readonly DeliveryStatus[] = ["exhausted", "pending", "delivered", "cancelled"];
/** The API's page limit for a delivery log. */
const MAX_LIMIT = 200;

export function parseDeliveryStatus(text: string): DeliveryStatus {
  if (!(STATUSES as readonly string[]).includes(text))
    throw new InvalidArgumentError(`expected one of ${STATUSES.join(", ")}`);
  return text as DeliveryStatus;
}

export function parseLimit(text: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

/** `kamiyo deliveries list`: the newest deliveries of every channel (or one), with their state. */
export async function deliveriesListCommand(
  config: AppConfig,
  o: { channel?: string; status?: DeliveryStatus; limit: number; tenant?: string },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  let rows: DeliveryLogEntry[] = [];
  try {
    const tenantId = await tenantFor(db, o.tenant);
    let channelIds: string[];
    if (o.channel !== undefined) {
      if (!(await getChannel(db, tenantId, o.channel, secretBoxFor(config))))
        throw new CliError(`--channel: no channel with id ${o.channel}`);
      channelIds = [o.channel];
    } else {
      channelIds = (await listChannels(db, tenantId, secretBoxFor(config))).map((c) => c.id);
    }
    // The log is kept per channel: the newest `limit` of each, merged.
    for (const id of channelIds) {
      rows.push(...(await listDeliveries(db, tenantId, id, { limit: o.limit, status: o.status })));
    }
    rows = rows
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, o.limit);
  } finally {
    await db.close();
  }
  if (rows.length === 0) {
    stdio.out(`no ${o.status === undefined ? "" : `${o.status} `}deliveries\n`);
    return;
  }
  stdio.out(
    formatTable(
      ["ID", "CHANNEL", "STATUS", "ATTEMPTS", "LAST ERROR", "CREATED"],
      rows.map((d) => [
        d.id,
        d.channelId,
        d.status,
        String(d.attempts.length),
        d.lastError === null ? "-" : oneLine(d.lastError, 60),
        iso(d.createdAt),
      ]),
    ),
  );
}

/**
 * `kamiyo deliveries replay ID`: puts an exhausted or cancelled delivery back in the queue, due
 * now, with its retry schedule restarted (the same rules as the API's replay).
 */
export async function deliveriesReplayCommand(
  config: AppConfig,
  id: string,
  o: { tenant?: string },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const tenantId = await tenantFor(db, o.tenant);
    const d = await getDelivery(db, tenantId, id);
    if (!d) throw new CliError(`no delivery with id ${id}`);
    if (d.status === "pending" || d.status === "delivered") {
      throw new CliError(
        d.status === "pending"
          ? `delivery ${id} is still pending: only exhausted or cancelled deliveries can be replayed`
          : `delivery ${id} was delivered: only exhausted or cancelled deliveries can be replayed`,
      );
    }
    const c = await getChannel(db, tenantId, d.channelId, secretBoxFor(config));
    if (c && !c.enabled) {
      throw new CliError(
        `channel ${c.id} is disabled (${c.disabledReason ?? "no reason given"}): enable it before replaying a delivery`,
      );
    }
    const status = await replayDelivery(db, tenantId, id, Date.now());
    if (status === null) throw new CliError(`no delivery with id ${id}`);
    if (status !== "pending") throw new CliError(`delivery ${id} changed meanwhile; try again`);
    stdio.out(
      `${id}  pending again (was ${d.status}), due now: the delivery worker of kamiyo serve sends it at its next poll\n`,
    );
  } finally {
    await db.close();
  }
}
