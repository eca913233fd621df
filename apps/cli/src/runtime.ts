import { type EditionId, subscribe, subscriptionsOf } from "@kamiyo/billing";
import {
  createLogger,
  FetchHttpClient,
  type HttpClient,
  IoTracker,
  type Logger,
  SystemClock,
} from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, openDb, openMigratedTemporary } from "@kamiyo/db";
import type { Monitor } from "@kamiyo/monitor";
import type { AnyModule, CliIo, ModuleCliContext } from "@kamiyo/platform";
import type { AppConfig } from "./config/app-config.ts";
import { MODULES } from "./modules.ts";
import { createPipeline, type Pipeline, type PipelineDeps } from "./pipeline.ts";
import { secretBoxFor } from "./secret-keys.ts";

export const USER_AGENT = "kamiyo/0.1.0 (+https://github.com/kamiyo-ai)";

/** Opens the configured database with the composed modules' tables, saying plainly which one. */
export async function openStorage(config: AppConfig, log: Logger): Promise<Db> {
  const db = await openDb(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir },
    MODULES.migrations,
  );
  await editionOfThisInstall(db, config.plan, Date.now());
  if (config.databaseUrl) log.info({ storage: db.description }, `storage: ${db.description}`);
  else
    log.info(
      { storage: db.description },
      `DATABASE_URL is not set: using the embedded database (${db.description})`,
    );
  return db;
}

/**
 * A single-tenant install's edition (`DEPLOYMENT_MODE`) is its default tenant's platform
 * subscription: the same catalog plan, kept in the one place plans are kept.
 */
async function editionOfThisInstall(db: Db, edition: EditionId, nowMs: number): Promise<void> {
  const current = (await subscriptionsOf(db, DEFAULT_TENANT_ID)).find(
    (s) => s.product === "platform",
  );
  if (current?.plan.id !== edition)
    await subscribe(db, { tenantId: DEFAULT_TENANT_ID, planId: edition, nowMs });
}

/**
 * The live pipeline (see {@link createPipeline}): system clock, real HTTP (wrapped by `wrapHttp`,
 * for the recorder), the configured database, alerts delivered.
 */
export function livePipeline(
  config: AppConfig,
  log: Logger,
  db: Db,
  opts: {
    /** The process's key ring (`secretBoxFor`), made once where the process starts. */
    secrets: PipelineDeps["secrets"];
    wrapHttp?: (http: HttpClient) => HttpClient;
    tapFrame?: PipelineDeps["tapFrame"];
    part?: PipelineDeps["part"];
  },
): Promise<Pipeline> {
  const io = new IoTracker();
  const http = new FetchHttpClient({ userAgent: USER_AGENT, timeoutMs: 10_000, io });
  return createPipeline(config, {
    log,
    clock: new SystemClock(),
    io,
    http: opts.wrapHttp ? opts.wrapHttp(http) : http,
    random: Math.random,
    db,
    monitor: config.monitor,
    deliveries: "send",
    secrets: opts.secrets,
    tapFrame: opts.tapFrame,
    part: opts.part,
  });
}

/** The app's JSON logger at LOG_LEVEL, writing where `stdio` says (stderr for the bin). */
export function appLogger(config: AppConfig, stdio: CliIo): Logger {
  return createLogger(config.logLevel, { app: "kamiyo" }, stdio.logs);
}

/**
 * What a product module's commands get (`ProductModule.cli`): its parsed settings and the
 * platform's services, from the configuration `config()` reads once, when a command first asks.
 */
export function moduleCliContext(
  module: AnyModule,
  config: () => AppConfig,
  io: CliIo,
): ModuleCliContext<unknown> {
  let cached: AppConfig | null = null;
  const cfg = () => {
    cached ??= config();
    return cached;
  };
  let log: Logger | null = null;
  const logger = () => {
    log ??= appLogger(cfg(), io);
    return log;
  };
  return {
    io,
    settings: () => cfg().modules[module.id],
    alerts: () => cfg().alerts,
    logger,
    openDb: () => openStorage(cfg(), logger()),
    openTemporaryDb: () => openMigratedTemporary(cfg().cacheDir, MODULES.migrations),
    secrets: () => secretBoxFor(cfg()),
  };
}

/** Resolves on the first SIGINT or SIGTERM (or when `ms` elapses, if given). */
export function untilSignal(ms?: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      if (timer) clearTimeout(timer);
      resolve(why);
    };
    const onInt = () => done("SIGINT");
    const onTerm = () => done("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
    const timer = ms === undefined ? null : setTimeout(() => done("duration reached"), ms);
  });
}

/** Logs a one-line pipeline summary every `ms`. @returns a stop function. */
export function logHealthEvery(monitor: Monitor, log: Logger, ms: number): () => void {
  const timer = setInterval(() => {
    const h = monitor.health();
    const sources = Object.fromEntries(Object.entries(h.sources).map(([k, s]) => [k, s.status]));
    log.info(
      {
        sources,
        observations: h.stats.observations,
        findings: h.stats.findingChanges,
        queue: h.stats.queue,
      },
      "pipeline status",
    );
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
