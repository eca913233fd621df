import {
  Alerting,
  type ChannelSecretBox,
  configuredChannels,
  type DeliveryMode,
  deliveryOptions,
  sealStoredChannelSecrets,
  syncConfiguredChannels,
} from "@kamiyo/alerts";
import type { Clock, IoTracker, Logger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import type { AppConfig } from "./config/app-config.ts";

/**
 * Alerting for a process that stores findings: the channels' stored secrets sealed with the key
 * ring (`opts.secrets`), the operator's channels (ALERTS_*) synced into the database, the router ready for the monitor's `afterFindings`, nothing started yet.
 * Delivering (`send`), held alerts are also looked for every second (other processes hold
 * some); recording (`record`, replays), only at the due times of what this process held, on
 * `clock`, with the flushes tracked by `io`.
 * @returns null when alerting is turned off (ALERTS_ENABLED=false).
 */
export async function createAlerting(
  config: AppConfig,
  log: Logger,
  db: Db,
  opts: { clock: Clock; io?: IoTracker; deliveries: DeliveryMode; secrets: ChannelSecretBox },
): Promise<Alerting | null> {
  const c = config.alerts;
  if (!c.enabled) return null;
  const { secrets } = opts;
  const alertsLog = log.child({ component: "alerts" });
  // Channels' secrets (webhook signing secrets, chat URLs, bot tokens, SMTP passwords) are sealed
  // at rest with the key ring; those stored before it, or under a key rotated out, now.
  if (secrets) {
    const { sealed, unreadable } = await sealStoredChannelSecrets(db, secrets);
    if (sealed > 0) alertsLog.info({ channels: sealed }, "sealed stored alert channel secrets");
    for (const u of unreadable)
      alertsLog.error(
        u,
        "an alert channel's secret does not open: its deliveries fail until its key is back in KAMIYO_SECRET_KEYS",
      );
  } else
    alertsLog.warn(
      { setting: "KAMIYO_SECRET_KEYS" },
      'alert channel secrets are stored unencrypted: set KAMIYO_SECRET_KEYS (docs/self-hosting.md, "Secrets")',
    );
  await syncConfiguredChannels(
    db,
    DEFAULT_TENANT_ID,
    configuredChannels(c, DEFAULT_TENANT_ID, opts.clock.now()),
    secrets,
  );
  return new Alerting(
    { db, clock: opts.clock, io: opts.io, log: alertsLog, secrets },
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
