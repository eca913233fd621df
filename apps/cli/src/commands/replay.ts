import { existsSync, readdirSync } from "node:fs";
import {
  type ChannelSecretBox,
  deleteChannel,
  listChannels,
  newChannel,
  saveChannel,
} from "@kamiyo/alerts";
import { describeError, type Logger, SecretBox } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, openMigratedTemporary } from "@kamiyo/db";
import { hyperliquidReplay } from "@kamiyo/hyperliquid";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import { type ReplaySummary, replay } from "@kamiyo/replay";
import { AlertsFile } from "../alerts-out.ts";
import type { AppConfig } from "../config/app-config.ts";
import { MODULES } from "../modules.ts";
import { createPipeline } from "../pipeline.ts";
import { findingPrinter } from "../printer.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { secretBoxFor } from "../secret-keys.ts";

export interface ReplayCommandOptions {
  speed: number | "max";
  json: boolean;
  /** Store in the configured database instead of a temporary one (removed afterwards). */
  persist: boolean;
  /** Write the alerts the channels would have received to this file, one JSON object a line. */
  alertsOut?: string;
}

/**
 * The channel a replay with `--alerts-out` routes to when no channel is configured, so that the
 * file still shows the alerts (as a generic webhook's Standard Webhooks body). Never sent to.
 */
export const REPLAY_CHANNEL_ID = "chn_replay_webhook";

/**
 * `kamiyo replay FILE`: serves a recording through local servers and runs the pipeline of
 * `kamiyo serve` on the recording's clock: rule-based and derived detectors, alert routing
 * (alerts decided and stored, never sent) and the incident feed. Stores in a temporary database
 * (removed afterwards) unless `--persist`; the active anomaly model and exploit incidents are read from the
 * configured database either way (skipped, and said so, when there is none or it is in use).
 */
export async function replayCommand(
  config: AppConfig,
  file: string,
  opts: ReplayCommandOptions,
  stdio: CliIo,
): Promise<void> {
  if (!existsSync(file)) throw new CliError(`replay file not found: ${file}`);
  if (opts.alertsOut !== undefined && !config.alerts.enabled)
    throw new CliError(
      "--alerts-out: alerting is off (ALERTS_ENABLED=false), so no alert is decided",
    );
  const log = appLogger(config, stdio);
  const configured = opts.persist
    ? await openStorage(config, log)
    : await openReference(config, log);
  let store: Db | null = configured;
  try {
    if (!opts.persist) store = await openMigratedTemporary(config.cacheDir, MODULES.migrations);
    await runReplay(config, file, opts, {
      store: store as Db,
      reference: configured,
      // A replay into a temporary database seals with a key of its own, never the data directory's.
      secrets: opts.persist ? secretBoxFor(config) : SecretBox.random(),
      log,
      write: (t) => stdio.out(t),
    });
  } finally {
    if (store !== configured) await store?.close();
    await configured?.close();
  }
}

/**
 * Replays `file` through the product's pipeline into `store`, reading the active anomaly model and
 * exploit incidents from `reference` (null: from `store`). What `kamiyo replay` runs once its
 * databases are open; tests call it with theirs.
 */
export async function runReplay(
  config: AppConfig,
  file: string,
  opts: ReplayCommandOptions,
  deps: {
    store: Db;
    reference: Db | null;
    secrets: ChannelSecretBox;
    log: Logger;
    write: (text: string) => void;
  },
): Promise<{ summary: ReplaySummary; alerts: number }> {
  const { store, log } = deps;
  const print = findingPrinter(opts.json, deps.write);
  const bySeverity: Record<string, number> = {};
  let alertsFile: AlertsFile | null = null;
  try {
    alertsFile = opts.alertsOut === undefined ? null : new AlertsFile(opts.alertsOut, store);
  } catch (err) {
    throw new CliError(`--alerts-out: cannot write ${opts.alertsOut} (${describeError(err)})`);
  }
  let alerts = 0;
  let replayChannel = false;
  try {
    const summary = await replay({
      module: hyperliquidReplay,
      file,
      speed: opts.speed,
      config: config.monitor,
      log,
      onChange: (change, ts) => {
        if (change.change === "opened" || change.change === "escalated") {
          bySeverity[change.finding.severity] = (bySeverity[change.finding.severity] ?? 0) + 1;
        }
        print(change, ts);
      },
      pipeline: async (ctx) => {
        const pipeline = await createPipeline(config, {
          log: ctx.log,
          clock: ctx.clock,
          io: ctx.io,
          http: ctx.http,
          random: ctx.random,
          db: store,
          reference: deps.reference ?? undefined,
          monitor: ctx.config,
          deliveries: "record",
          secrets: deps.secrets,
        });
        if (pipeline.alerting && alertsFile)
          replayChannel = await routeToReplayChannelIfNone(
            config,
            store,
            ctx.clock.now(),
            log,
            deps.secrets,
          );
        pipeline.alerting?.onAlertsStored((stored) => {
          alerts += stored.length;
          alertsFile?.add(stored);
        });
        return pipeline;
      },
    });
    await alertsFile?.close();
    log.info(
      {
        file,
        labels: summary.labels,
        from: summary.firstTs === null ? null : new Date(summary.firstTs).toISOString(),
        to: summary.lastTs === null ? null : new Date(summary.lastTs).toISOString(),
        realMs: summary.realMs,
        lines: summary.read,
        server: summary.server,
        findingsRaised: bySeverity,
        derived: summary.health?.derived ?? {},
        alerts,
        alertsOut: alertsFile === null ? null : { file: opts.alertsOut, lines: alertsFile.written },
      },
      "replay finished",
    );
    return { summary, alerts };
  } finally {
    await alertsFile?.close().catch(() => {}); // after a failure: its error is the one to report
    // Never left in the operator's database: it is not one of their channels.
    if (replayChannel && opts.persist)
      await deleteChannel(store, DEFAULT_TENANT_ID, REPLAY_CHANNEL_ID);
  }
}

/**
 * Adds {@link REPLAY_CHANNEL_ID} when the replay's database has no enabled channel (nothing in
 * ALERTS_*, no user webhook), taking ALERTS_MIN_SEVERITY like the operator's channels.
 * @returns whether it was added.
 */
async function routeToReplayChannelIfNone(
  config: AppConfig,
  db: Db,
  nowMs: number,
  log: Logger,
  secrets: ChannelSecretBox,
): Promise<boolean> {
  if ((await listChannels(db, DEFAULT_TENANT_ID, secrets, { enabledOnly: true })).length > 0)
    return false;
  await saveChannel(
    db,
    newChannel({
      tenantId: DEFAULT_TENANT_ID,
      id: REPLAY_CHANNEL_ID,
      kind: "webhook",
      name: "replay: no channel configured (generic webhook)",
      origin: "config",
      config: { url: "https://replay.invalid/" },
      filter: { minSeverity: config.alerts.minSeverity },
      nowMs,
    }),
    secrets,
  );
  log.info(
    { channel: REPLAY_CHANNEL_ID },
    "no alert channel configured: --alerts-out shows the alerts as a generic webhook would receive them",
  );
  return true;
}

/**
 * The configured database, to read the active anomaly model and exploit incidents of a replay
 * that stores in memory; null (logged) when there is none yet or it cannot be opened (an
 * embedded database in use by a running `kamiyo serve`).
 */
async function openReference(config: AppConfig, log: Logger): Promise<Db | null> {
  const dir = config.dataDir;
  if (!config.databaseUrl && !(existsSync(dir) && readdirSync(dir).length > 0)) {
    log.info(
      { dataDir: dir },
      "no configured database yet: replaying without an anomaly model or exploit incidents",
    );
    return null;
  }
  try {
    return await openStorage(config, log);
  } catch (err) {
    log.warn(
      { err: describeError(err) },
      "cannot open the configured database: replaying without its anomaly model and exploit incidents",
    );
    return null;
  }
}
