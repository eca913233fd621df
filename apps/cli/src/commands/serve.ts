import { buildApi, FindingFeed } from "@kamiyo/api";
import { closeInvoices, reportPendingUsage } from "@kamiyo/billing/stripe";
import { SystemClock } from "@kamiyo/core";
import { DEFAULT_TENANT_ID, PostgresDb } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import { serveWebApp } from "@kamiyo/web/serve";
import { createAlerting } from "../alerting-runtime.ts";
import type { AppConfig } from "../config/app-config.ts";
import { MODULES, PLUGINS } from "../modules.ts";
import { appLogger, livePipeline, logHealthEvery, openStorage, untilSignal } from "../runtime.ts";
import { stripeBilling } from "./billing.ts";

export const VERSION = "0.1.0";

/**
 * `kamiyo serve`: the HTTP API and, unless --no-monitor, the monitor in the same process.
 * Shutdown: stop accepting and drain requests and streams, stop the monitor (flushing the
 * pipeline), close the database.
 */
export async function serveCommand(
  config: AppConfig,
  opts: { monitor: boolean },
  stdio: CliIo,
): Promise<void> {
  const log = appLogger(config, stdio);
  const clock = new SystemClock();
  const db = await openStorage(config, log);
  // API requests may log in as the application role itself (DATABASE_APP_URL).
  const requestDb = config.databaseAppUrl
    ? await PostgresDb.open({ url: config.databaseAppUrl })
    : undefined;
  // Every serve process delivers (workers share the outbox); only one with a monitor routes.
  const pipeline = opts.monitor ? await livePipeline(config, log, db) : null;
  const alerting = pipeline
    ? pipeline.alerting
    : await createAlerting(config, log, db, { clock, deliveries: "send" });
  const monitor = pipeline?.monitor ?? null;
  const feed = new FindingFeed();
  if (monitor) {
    monitor.onChange((c) => feed.publish(c));
    monitor.onFindingsStored(() => feed.written());
  } else feed.startPolling(db, DEFAULT_TENANT_ID, clock, log, 1_000);
  const billing = stripeBilling(config, db, log);
  const { app } = await buildApi(
    {
      db,
      requestDb,
      log,
      clock,
      tenantId: DEFAULT_TENANT_ID,
      monitor,
      monitorConfig: config.monitor,
      plan: config.plan,
      feed,
      version: VERSION,
      startedAt: clock.now(),
      wakeDeliveries: alerting ? () => alerting.wake() : undefined,
      modules: MODULES.api,
      monitoredChains: MODULES.monitoredChains,
      plugins: PLUGINS,
      redisUrl: config.redisUrl,
      billing: billing
        ? { service: billing, webhookSecret: config.stripe.webhookSecret ?? null }
        : null,
    },
    config.api,
  );
  await serveWebApp(app, log);
  await app.listen({ host: config.api.host, port: config.api.port });
  const address = app.server.address();
  const where =
    typeof address === "object" && address
      ? `http://${address.address}:${address.port}`
      : String(address);
  if (pipeline) pipeline.start();
  else alerting?.start();
  const stopHealth = monitor ? logHealthEvery(monitor, log, 60_000) : () => {};
  // Every hour: ended billing periods become invoices, usage goes to Stripe as meter events.
  const billingJobs = setInterval(async () => {
    try {
      await closeInvoices(db, billing, Date.now(), log);
      if (billing) await reportPendingUsage(db, billing);
    } catch (err) {
      log.warn({ error: String(err) }, "billing run failed; retried in an hour");
    }
  }, 3_600_000);
  billingJobs.unref();
  log.info(
    {
      url: where,
      monitor: monitor !== null,
      docs: config.api.docs ? `${where}/docs` : null,
      keys: config.api.keyHashes.length,
    },
    `serving on ${where}`,
  );
  const why = await untilSignal();
  log.info({ why }, "shutting down: draining requests and streams");
  stopHealth();
  clearInterval(billingJobs);
  await app.close();
  feed.stop();
  if (pipeline) await pipeline.stop();
  else await alerting?.stop();
  await requestDb?.close();
  await db.close();
  log.info({}, "stopped");
}
