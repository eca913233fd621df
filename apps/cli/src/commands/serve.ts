import type { Alerting } from "@kamiyo/alerts";
import { buildApi, type DemoInfo, FindingFeed } from "@kamiyo/api";
import { closeInvoices, reportPendingUsage } from "@kamiyo/billing/stripe";
import { type Clock, type Logger, type SecretBox, SystemClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PostgresDb } from "@kamiyo/db";
import type { Monitor } from "@kamiyo/monitor";
import type { CliIo } from "@kamiyo/platform";
import { serveWebApp } from "@kamiyo/web/serve";
import type { FastifyInstance } from "fastify";
import { createAlerting } from "../alerting-runtime.ts";
import type { AppConfig } from "../config/app-config.ts";
import { MODULES, PLUGINS } from "../modules.ts";
import type { Pipeline } from "../pipeline.ts";
import { startProbeServer } from "../roles/probe-server.ts";
import type { ProcessRoles } from "../roles/roles.ts";
import { type PipelineHalf, startDetect, startIngest } from "../roles/split-pipeline.ts";
import { appLogger, livePipeline, logHealthEvery, openStorage, untilSignal } from "../runtime.ts";
import { secretBoxFor } from "../secret-keys.ts";
import { stripeBilling } from "./billing.ts";

export const VERSION = "0.1.0";

/**
 * `kamiyo serve`: the roles `roles` names (all four by default: the HTTP API, the monitor's
 * sources and detectors, and the delivery workers, in one process). Split, ingest and detect talk
 * through NATS JetStream (NATS_URL); processes share the database (DATABASE_URL), which holds the
 * findings and the alerts' outbox. A process without the API serves its probes on the API's
 * address. Shutdown: stop accepting and drain requests and streams, stop the consumer after the
 * batch in hand, stop the monitor (flushing the pipeline), close the database.
 * @throws Error for roles that cannot run as given (ingest without detect and no NATS_URL).
 */
export async function serveCommand(
  config: AppConfig,
  opts: ProcessRoles,
  stdio: CliIo,
): Promise<void> {
  const { roles, shard } = opts;
  const split = roles.has("ingest") !== roles.has("detect");
  if (split && !config.nats)
    throw new Error(
      `--role ${[...roles].join(",")}: ingest and detect in different processes need NATS_URL (NATS with JetStream)`,
    );
  if (shard.of > 1 && (!roles.has("detect") || roles.has("ingest")))
    throw new Error("--shard: a detector shard is a detect process without ingest");
  const log = appLogger(config, stdio).child({ roles: [...roles].join(",") });
  const clock = new SystemClock();
  const db = await openStorage(config, log);
  // API requests may log in as the application role itself (DATABASE_APP_URL).
  const requestDb =
    roles.has("api") && config.databaseAppUrl
      ? await PostgresDb.open({ url: config.databaseAppUrl })
      : undefined;
  // The key ring tenants' secrets are sealed with: one for the process (its API and alerting).
  const secrets = secretBoxFor(config);
  const stream = split && config.nats ? await connectStream(config.nats) : null;
  // An API process apart from detection hears of findings written over NATS, when there is one.
  const notices =
    roles.has("api") && !roles.has("detect") && config.nats
      ? (stream ?? (await connectStream(config.nats)))
      : null;
  let pipeline: Pipeline | null = null;
  let half: PipelineHalf | null = null;
  if (stream && roles.has("ingest")) half = await startIngest(config, log, db, stream);
  else if (stream) half = await startDetect(config, log, db, stream, shard, secrets);
  else if (roles.has("ingest")) pipeline = await livePipeline(config, log, db, { secrets });
  pipeline ??= half?.pipeline ?? null;
  // Delivering: the pipeline's own alerting when it runs here whole, else one of its own.
  const alerting = !roles.has("deliver")
    ? null
    : pipeline && !half
      ? pipeline.alerting
      : await createAlerting(config, log, db, {
          clock,
          deliveries: "send",
          secrets,
        });
  // What this process observes and detects: the API's /ready and /metrics report it.
  const monitor = pipeline?.monitor ?? null;
  let server: { close(): Promise<void> };
  let feed: FindingFeed | null = null;
  if (roles.has("api")) {
    feed = new FindingFeed();
    if (monitor && roles.has("detect")) feedFrom(monitor, feed);
    else {
      feed.startPolling(db, DEFAULT_TENANT_ID, clock, log, config.api.feedPollMs);
      const live = feed;
      notices?.onFindingsWritten(() => live.pollNow());
    }
    server = await listenApi(config, log, {
      db,
      requestDb,
      clock,
      monitor,
      feed,
      alerting,
      secrets,
    });
  } else
    server = await startProbeServer({
      host: config.api.host,
      port: config.api.port,
      db,
      clock,
      monitor,
      deliveryStats: alerting ? () => alerting.worker.stats : undefined,
      roles: [...roles],
      version: VERSION,
      probes: half ? [half.probe] : [],
      log,
    });
  if (pipeline && !half) pipeline.start({ deliver: roles.has("deliver") });
  else alerting?.start();
  const stopHealth = monitor ? logHealthEvery(monitor, log, 60_000) : () => {};
  const why = await untilSignal();
  log.info({ why }, "shutting down: draining requests and streams");
  stopHealth();
  await server.close();
  feed?.stop();
  if (half) await half.stop();
  else if (pipeline) await pipeline.stop();
  if (alerting && alerting !== pipeline?.alerting) await alerting.stop();
  await stream?.close();
  if (notices && notices !== stream) await notices.close();
  await requestDb?.close();
  await db.close();
  log.info({}, "stopped");
}

/** The observation stream as the settings name it (loaded only by processes that split). */
async function connectStream(nats: NonNullable<AppConfig["nats"]>) {
  const { ObservationStream } = await import("@kamiyo/monitor/stream");
  return ObservationStream.connectTo(nats.url, nats.credsFile ?? undefined, {
    stream: nats.stream,
  });
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
  /** The key ring tenants' secrets are sealed with (`secretBoxFor`); null: no ad-platform credential can be stored, and channels' secrets are stored unsealed. */
  secrets: SecretBox | null;
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
      secrets: parts.secrets,
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
