import {
  createLogger,
  FetchHttpClient,
  type HttpClient,
  IoTracker,
  type Logger,
  SystemClock,
} from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, openDb } from "@kamiyo/db";
import { Monitor, type MonitorDeps } from "@kamiyo/monitor";
import type { AppConfig } from "./config/app-config.ts";
import { derivedDetectors } from "./ml-runtime.ts";

export const USER_AGENT = "kamiyo/0.1.0 (+https://github.com/kamiyo-ai)";

/** Opens the configured database, saying plainly which one. */
export async function openStorage(config: AppConfig, log: Logger): Promise<Db> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  if (config.databaseUrl) log.info({ storage: db.description }, `storage: ${db.description}`);
  else
    log.info(
      { storage: db.description },
      `DATABASE_URL is not set: using the embedded database (${db.description})`,
    );
  return db;
}

/** The live monitor's composition: system clock, real HTTP, the configured database. */
export async function createLiveMonitor(
  config: AppConfig,
  log: Logger,
  db: Db,
  wrapHttp: (http: HttpClient) => HttpClient = (h) => h,
  extra: Partial<MonitorDeps> = {},
): Promise<Monitor> {
  const io = new IoTracker();
  const clock = new SystemClock();
  const derived = await derivedDetectors(config, db, log, clock);
  return Monitor.create(config.monitor, {
    clock,
    random: Math.random,
    log,
    http: wrapHttp(new FetchHttpClient({ userAgent: USER_AGENT, timeoutMs: 10_000, io })),
    io,
    db,
    tenantId: DEFAULT_TENANT_ID,
    derived,
    ...extra,
  });
}

export function appLogger(config: AppConfig): Logger {
  return createLogger(config.logLevel, { app: "kamiyo" });
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
