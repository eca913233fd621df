import {
  Alerting,
  configuredChannels,
  deliveryOptions,
  syncConfiguredChannels,
} from "@kamiyo/alerts";
import { type Logger, SystemClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import type { AppConfig } from "./config/app-config.ts";

/**
 * Alerting for a process that stores findings: the operator's channels synced into the database,
 * the router ready for the monitor's `afterFindings`, the delivery worker not yet started.
 * @returns null when alerting is turned off (ALERTS_ENABLED=false).
 */
export async function createAlerting(
  config: AppConfig,
  log: Logger,
  db: Db,
): Promise<Alerting | null> {
  const c = config.alerts;
  if (!c.enabled) return null;
  const clock = new SystemClock();
  await syncConfiguredChannels(
    db,
    DEFAULT_TENANT_ID,
    configuredChannels(c, DEFAULT_TENANT_ID, clock.now()),
  );
  return new Alerting(
    { db, clock, log: log.child({ component: "alerts" }) },
    {
      routing: c,
      delivery: deliveryOptions(c, {
        allowLoopbackHttp: config.api.webhooksAllowLoopbackHttp,
      }),
      flushEveryMs: 1_000,
    },
  );
}
