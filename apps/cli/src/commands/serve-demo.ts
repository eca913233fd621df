import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { FindingFeed } from "@kamiyo/api";
import { type Logger, SecretBox } from "@kamiyo/core";
import { type Db, openMigratedTemporary } from "@kamiyo/db";
import { hyperliquidReplay } from "@kamiyo/hyperliquid";
import { detectFormat, importRecords, parseAs, type SourceRecord } from "@kamiyo/intel";
import type { CliIo } from "@kamiyo/platform";
import { replay } from "@kamiyo/replay";
import type { AppConfig } from "../config/app-config.ts";
import { DemoClock } from "../demo-clock.ts";
import { MODULES } from "../modules.ts";
import { createPipeline } from "../pipeline.ts";
import { appLogger, untilSignal } from "../runtime.ts";
import { feedFrom, listenApi, type ServingApi } from "./serve.ts";

const repo = (path: string) => fileURLToPath(new URL(`../../../../${path}`, import.meta.url));

/**
 * The incident `--demo` plays: the 10 Oct 2025 liquidation cascade, reconstructed from the
 * public record (HYPERLIQUID.md §7; the file's first line says what is real and what approximate).
 */
export const DEMO_RECORDING = repo("fixtures/scenarios/cascade-2025-10-10.ndjson.gz");

/** Real public exploit datasets `--demo` imports (their sources and licences: the folder's README). */
export const DEMO_EXPLOIT_FILES = [
  "incidents.json",
  "DeFiHackLabs-README.md.txt",
  "20160617-TheDAO.json",
  "20201026-HarvestFinance.json",
  "20240903-Penpie.json",
  "20241016-RadiantCapital.json",
  "20260401-Drift-Protocol.json",
].map((f) => repo(`modules/intel/fixtures/${f}`));

export interface DemoOptions {
  /** Recorded time per real time: 20 plays the 35 minutes of the cascade in under 2. */
  speed: number;
  /** The recording to play (default {@link DEMO_RECORDING}). */
  recording?: string;
}

/**
 * `kamiyo serve --demo`: the API and the web app over a fresh embedded database (in a temporary
 * folder, removed on exit), with real exploit datasets imported and a recorded incident replayed
 * through the monitor's pipeline as it is served, so the dashboard comes alive without the
 * internet. The API's clock is the recording's while it plays, then moves on in real time. Alerts
 * are decided and stored, never sent.
 */
export async function serveDemoCommand(
  config: AppConfig,
  opts: DemoOptions,
  stdio: CliIo,
): Promise<void> {
  const log = appLogger(config, stdio);
  const db = await openMigratedTemporary(config.cacheDir, MODULES.migrations);
  const feed = new FindingFeed();
  const stop = new AbortController();
  // Nothing of a demo outlives it: a key of its own, never the data directory's.
  const secrets = SecretBox.random();
  let clock: DemoClock | null = null;
  let server: ServingApi | null = null;
  try {
    await importDemoExploits(db, log);
    const recording = opts.recording ?? DEMO_RECORDING;
    const played = replay({
      module: hyperliquidReplay,
      file: recording,
      speed: opts.speed,
      config: config.monitor,
      log,
      signal: stop.signal,
      pipeline: async (ctx) => {
        const pipeline = await createPipeline(config, {
          log: ctx.log,
          clock: ctx.clock,
          io: ctx.io,
          http: ctx.http,
          random: ctx.random,
          db,
          monitor: ctx.config,
          deliveries: "record",
          secrets,
        });
        feedFrom(pipeline.monitor, feed);
        clock = new DemoClock(ctx.clock);
        server = await listenApi(config, log, {
          db,
          clock,
          monitor: pipeline.monitor,
          feed,
          alerting: pipeline.alerting,
          secrets,
          demo: {
            recording: basename(recording),
            description: recordingDescription(recording),
            speed: opts.speed,
          },
        });
        log.info(
          { recording: basename(recording), speed: opts.speed, dashboard: `${server.where}/app` },
          `demo: replaying ${basename(recording)} at ${opts.speed}x; open ${server.where}/app`,
        );
        return pipeline;
      },
    }).then(
      (summary) => {
        (clock as DemoClock | null)?.release();
        if (!stop.signal.aborted)
          log.info(
            { realMs: summary.realMs, lines: summary.read },
            "demo: the recording ended; its data stays served until you stop kamiyo serve",
          );
      },
      (err: unknown) => {
        log.error({ err: String(err) }, "demo: the replay failed");
        throw err;
      },
    );
    const why = await Promise.race([untilSignal(), played.then(() => untilSignal())]);
    log.info({ why }, "shutting down: draining requests and streams");
    stop.abort();
    await (server as ServingApi | null)?.close();
    await played.catch(() => {});
  } finally {
    feed.stop();
    await db.close();
  }
  log.info({}, "stopped");
}

/** Imports {@link DEMO_EXPLOIT_FILES} (the format of each detected from its content). */
async function importDemoExploits(db: Db, log: Logger): Promise<void> {
  const records: SourceRecord[] = [];
  for (const file of DEMO_EXPLOIT_FILES) {
    const text = readFileSync(file, "utf8");
    const source = detectFormat(text);
    if (!source) throw new Error(`demo: cannot tell the format of ${file}`);
    records.push(...parseAs(source, text, basename(file)).records);
  }
  const result = await importRecords(db, records, Date.now());
  log.info(
    { reports: records.length, incidents: result.incidents },
    "demo: exploit datasets imported",
  );
}

/** What a recording says it is: its first line's `description` (a meta line), or its name. */
function recordingDescription(file: string): string {
  const raw = readFileSync(file);
  const text = file.endsWith(".gz") ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
  const first = JSON.parse(text.slice(0, text.indexOf("\n"))) as { description?: unknown };
  return typeof first.description === "string" ? first.description : basename(file);
}
