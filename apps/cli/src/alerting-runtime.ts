import {
  Alerting,
  configuredChannels,
  type DeliveryMode,
  deliveryOptions,
  syncConfiguredChannels,
} from "@kamiyo/alerts";
import type { Clock, IoTracker, Logger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import type { AppConfig } from "./config/app-config.ts";

/**
 * Alerting for a process that stores findings: the operator's channels (ALERTS_*) synced into
 * the database, the router ready for the monitor's `afterFindings`, nothing started yet.
 * Delivering (`send`), held alerts are also looked for every second (other processes hold
 * some); recording (`record`, replays), only at the due times of what this process held, on
 * `clock`, with the flushes tracked by `io`.
 * @returns null when alerting is turned off (ALERTS_ENABLED=false).
 */
export async function createAlerting(
  config: AppConfig,
  log: Logger,
  db: Db,
  opts: { clock: Clock; io?: IoTracker; deliveries: DeliveryMode },
): Promise<Alerting | null> {
  const c = config.alerts;
  if (!c.enabled) return null;
  await syncConfiguredChannels(
    db,
    DEFAULT_TENANT_ID,
    configuredChannels(c, DEFAULT_TENANT_ID, opts.clock.now()),
  );
  return new Alerting(
    { db, clock: opts.clock, io: opts.io, log: log.child({ component: "alerts" }) },
    {
      routing: c,
      delivery: deliveryOptions(c, {
        allowLoopbackHttp: config.api.webhooksAllowLoopbackHttp,
      }),
      flushEveryMs: opts.deliveries === "send" ? 1_000 : null,
      deliveries: opts.deliveries,
    },
  );
}
