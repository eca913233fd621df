import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Finding, type FindingChange, silentLogger } from "@kamiyo/core";
import {
  createMigratedDataDir,
  type Db,
  DEFAULT_TENANT_ID,
  listFindings,
  migrate,
  PgliteDb,
} from "@kamiyo/db";
import { monitorOnly, type ReplaySummary, replay } from "@kamiyo/replay";
import { createTestDb, fixturePath, testCacheDir } from "@kamiyo/testing";
import { AnomalyDetector } from "../ml/anomaly/anomaly-detector.ts";
import { AnomalyModel } from "../ml/anomaly/anomaly-model.ts";
import { correlatorConfig } from "../ml/correlation/config.ts";
import { CrossProtocolCorrelator } from "../ml/correlation/correlator.ts";
import type { FeatureRow } from "../ml/features/feature-set.ts";
import { featuresFromHistory } from "../ml/features/history-features.ts";
import { mlConfig } from "../ml/ml-config.ts";
import { fitAnomaly } from "../ml/training/train-anomaly.ts";
import { hyperliquidReplay } from "../replay/replay-module.ts";
import type { ServerStats } from "../replay/replay-server.ts";
import { historySpan } from "../store/index.ts";

/**
 * The incident and quiet-day scenarios, each replayed once per test run through the whole
 * pipeline and shared by every acceptance test (the acceptance project's global setup computes
 * them in a child process while other tests run; `scenarioRun` waits for one).
 *
 * The quiet day is replayed first, as a fresh install sees it: the rule-based detectors only (no
 * model has been trained yet). Its stored history trains the anomaly model, and each incident is
 * then replayed with everything a cloud_pro install runs: the rules, the anomaly detector with that
 * model, and the cross-protocol correlator.
 */
export const SCENARIOS = {
  quiet: "quiet-day-2025-03-27.ndjson.gz",
  cascade: "cascade-2025-10-10.ndjson.gz",
  ethWhale: "eth-whale-2025-03-12.ndjson.gz",
  jelly: "jelly-2025-03-26.ndjson.gz",
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

/** A finding change with the replay time it happened at. */
export interface Seen {
  ts: number;
  change: FindingChange["change"];
  finding: Finding;
}

/** What one replay gave, as the acceptance tests read it. */
export interface ScenarioRun {
  file: string;
  summary: ReplaySummary<ServerStats>;
  changes: Seen[];
  /** Findings as stored in the database at the end. */
  stored: Finding[];
  /** The anomaly detector's view, for the incidents (null for the quiet day). */
  ml: {
    /** Feature rows the live detector scored, as `[bucket start, ...values]`. */
    online: number[][];
    /** The same buckets rebuilt from the run's stored history afterwards. */
    offline: number[][];
  } | null;
}

/** The provide/inject key under which the acceptance setup passes the results directory. */
export const RUNS_DIR_KEY = "scenarioRunsDir";

const T = DEFAULT_TENANT_ID;

/** The quiet day's stored history (a PGlite data directory) inside the results directory. */
export function quietDataDir(dir: string): string {
  return join(dir, "quiet-data");
}

/**
 * Replays every scenario into `dir`: `<name>.json` per scenario as it completes, the quiet day's
 * data directory, and `model.json` (the anomaly model trained on the quiet day). A failure is
 * written to `<name>.error` for the waiting tests, and stops the rest.
 */
export async function computeScenarioRuns(
  dir: string,
  progress: (name: ScenarioName, ms: number) => void = () => {},
): Promise<void> {
  let current: ScenarioName = "quiet";
  let started = performance.now();
  const done = (name: ScenarioName) => {
    progress(name, Math.round(performance.now() - started));
    started = performance.now();
  };
  try {
    // A data directory cloned from the migrated template (initialising one takes seconds).
    await createMigratedDataDir(testCacheDir(), quietDataDir(dir));
    const quiet = await PgliteDb.open(quietDataDir(dir));
    let model: AnomalyModel;
    let quietRun: ScenarioRun;
    try {
      await migrate(quiet);
      quietRun = await replayInto("quiet", quiet, null);
      const span = await historySpan(quiet, T);
      if (!span) throw new Error("the quiet day stored no history");
      // Fitted, not saved: the quiet day's history stays as a fresh install stored it.
      model = (
        await fitAnomaly(quiet, T, {
          since: span.first,
          until: span.last + 1,
          algorithm: "isolation-forest",
          config: mlConfig.parse({}),
        })
      ).model;
      writeFileSync(join(dir, "model.json"), JSON.stringify(model.toJSON()));
    } finally {
      await quiet.close();
    }
    // Announced once its data directory is closed: tests copy and open it.
    write(dir, "quiet", quietRun);
    done("quiet");
    for (const name of ["cascade", "ethWhale", "jelly"] as const) {
      current = name;
      const db = await createTestDb();
      try {
        write(dir, name, await replayInto(name, db, model));
      } finally {
        await db.close();
      }
      done(name);
    }
  } catch (err) {
    writeFileSync(
      join(dir, `${current}.error`),
      err instanceof Error ? (err.stack ?? "") : String(err),
    );
  }
}

async function replayInto(
  name: ScenarioName,
  db: Db,
  model: AnomalyModel | null,
): Promise<ScenarioRun> {
  const file = SCENARIOS[name];
  const changes: Seen[] = [];
  const online: number[][] = [];
  const summary = await replay({
    module: hyperliquidReplay,
    file: fixturePath("scenarios", file),
    speed: "max",
    config: {},
    log: silentLogger,
    pipeline: monitorOnly({
      db,
      tenantId: T,
      derived: model
        ? (clock) => [
            new AnomalyDetector(model, {
              modelId: "mdl_quiet_day",
              modelVersion: 1,
              confirmBuckets: mlConfig.parse({}).confirmBuckets,
              onScore: (row: FeatureRow) => online.push([row.start, ...row.values]),
            }),
            new CrossProtocolCorrelator(correlatorConfig.parse({}), { now: () => clock.now() }),
          ]
        : undefined,
    }),
    onChange: (c, ts) => changes.push({ ts, change: c.change, finding: c.finding }),
  });
  const stored = await listFindings(db, T, { limit: 10_000 });
  let ml: ScenarioRun["ml"] = null;
  if (model) {
    const span = await historySpan(db, T);
    const offline = span
      ? await featuresFromHistory(db, T, { since: span.first, until: span.last + 1 })
      : [];
    ml = { online, offline: offline.map((r) => [r.start, ...r.values]) };
  }
  return { file, summary, changes, stored, ml };
}

function write(dir: string, name: ScenarioName, run: ScenarioRun): void {
  writeFileSync(join(dir, `${name}.json.tmp`), JSON.stringify(run));
  // A rename is atomic: a waiting test never reads half a file.
  renameSync(join(dir, `${name}.json.tmp`), join(dir, `${name}.json`));
}

/**
 * The shared replay of a scenario, waiting for the acceptance setup to finish it.
 * @throws Error when the setup failed on it (with the setup's error) or `timeoutMs` passed.
 */
export async function scenarioRun(
  dir: string,
  name: ScenarioName,
  timeoutMs = 15 * 60_000,
): Promise<ScenarioRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = join(dir, `${name}.json`);
    if (existsSync(done)) return JSON.parse(readFileSync(done, "utf8")) as ScenarioRun;
    for (const n of Object.keys(SCENARIOS)) {
      const failed = join(dir, `${n}.error`);
      if (existsSync(failed))
        throw new Error(`replaying ${n} failed:\n${readFileSync(failed, "utf8")}`);
    }
    if (Date.now() > deadline) throw new Error(`no replay of ${name} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The anomaly model the incidents were replayed with (trained on the quiet day). */
export function quietDayModel(dir: string): AnomalyModel {
  return AnomalyModel.fromJSON(JSON.parse(readFileSync(join(dir, "model.json"), "utf8")));
}
