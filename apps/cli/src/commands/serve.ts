import type { Alerting } from "@kamiyo/alerts";
import { buildApi, type DemoInfo, FindingFeed } from "@kamiyo/api";
import { closeInvoices, reportPendingUsage } from "@kamiyo/billing/stripe";
import { type Clock, type Logger, SystemClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PostgresDb } from "@kamiyo/db";
import type { Monitor } from "@kamiyo/monitor";
import type { CliIo } from "@kamiyo/platform";
import { serveWebApp } from "@kamiyo/web/serve";
import type { FastifyInstance } from "fastify";
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
  if (monitor) feedFrom(monitor, feed);
  else feed.startPolling(db, DEFAULT_TENANT_ID, clock, log, 1_000);
  const server = await listenApi(config, log, { db, requestDb, clock, monitor, feed, alerting });
  if (pipeline) pipeline.start();
  else alerting?.start();
  const stopHealth = monitor ? logHealthEvery(monitor, log, 60_000) : () => {};
  const why = await untilSignal();
  log.info({ why }, "shutting down: draining requests and streams");
  stopHealth();
  await server.close();
  feed.stop();
  if (pipeline) await pipeline.stop();
  else await alerting?.stop();
  await requestDb?.close();
  await db.close();
  log.info({}, "stopped");
}

/** The live findings' feed of the streams, from a monitor in this process. */
export function feedFrom(monitor: Monitor, feed: FindingFeed): void {
  monitor.onChange((c) => feed.publish(c));
  monitor.onFindingsStored(() => feed.written());
}

/** What the API of a serve process reads and runs beside. */
export interface ServeParts {
  db: Db;
  requestDb?: Db;
  clock: Clock;
  monitor: Monitor | null;
  feed: FindingFeed;
  alerting: Alerting | null;
  /** What `--demo` replays (`/meta` reports it). */
  demo?: DemoInfo;
}

/** A listening API (with the web app and the hourly billing jobs) and how to stop it. */
export interface ServingApi {
  app: FastifyInstance;
  /** Where it listens, `http://host:port`. */
  where: string;
  /** Stops the billing jobs, then stops accepting and drains requests and streams. */
  close(): Promise<void>;
}

/**
 * Builds the API over `parts` with the web app, listens on API_HOST:API_PORT and starts the
 * hourly billing jobs (ended periods become invoices, usage goes to Stripe as meter events).
 */
export async function listenApi(
  config: AppConfig,
  log: Logger,
  parts: ServeParts,
): Promise<ServingApi> {
  const { db, clock, monitor, alerting } = parts;
  const billing = stripeBilling(config, db, log);
  const { app } = await buildApi(
    {
      db,
      requestDb: parts.requestDb,
      log,
      clock,
      tenantId: DEFAULT_TENANT_ID,
      monitor,
      monitorConfig: config.monitor,
      plan: config.plan,
      feed: parts.feed,
      version: VERSION,
      startedAt: clock.now(),
      wakeDeliveries: alerting ? () => alerting.wake() : undefined,
      deliveryStats: alerting ? () => alerting.worker.stats : undefined,
      modules: MODULES.api,
      moduleSettings: config.modules,
      monitoredChains: MODULES.monitoredChains,
      plugins: PLUGINS,
      redisUrl: config.redisUrl,
      demo: parts.demo ?? null,
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
  return {
    app,
    where,
    close: async () => {
      clearInterval(billingJobs);
      await app.close();
    },
  };
}
