import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_TENANT_ID, migrate } from "@kamiyo/db";
import { writeCandleHistory } from "@kamiyo/hyperliquid/ml-testing";
import { ethBackstopRecording } from "@kamiyo/hyperliquid/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

/** Five days of real candles (see writeCandleHistory): stored history to train on. */
let storage: CliStorage;
/** A migrated database without any history. */
let empty: CliStorage;
const kamiyo = (args: string[], env?: Record<string, string>) => storage.run(args, env);

/** The seeded history's first and last data times, and the window `kamiyo ml train` uses. */
const FIRST = "2025-03-24T00:04:59Z";
const LAST = "2025-03-28T23:59:59Z";
/** Whole 5-minute buckets that ended by the newest datum: the last (23:55) is still open. */
const BUCKETS = 1439;

beforeAll(async () => {
  [storage, empty] = await Promise.all([
    cliStorage("kamiyo-ml-cli"),
    cliStorage("kamiyo-ml-cli-empty"),
  ]);
  const db = await storage.open();
  try {
    await migrate(db);
    const h = await writeCandleHistory(db, DEFAULT_TENANT_ID);
    expect(new Date(h.first).toISOString()).toBe(FIRST.replace("Z", ".000Z"));
    expect(new Date(h.last).toISOString()).toBe(LAST.replace("Z", ".000Z"));
  } finally {
    await db.close(); // a PGlite directory is opened by one process at a time
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([storage?.close(), empty?.close()]);
});

/** The rows of a `kamiyo ml status` table, cells split on runs of two or more spaces. */
function statusRows(stdout: string): string[][] {
  const [header, ...rows] = stdout.trimEnd().split("\n");
  expect(header?.split(/ {2,}/)).toEqual([
    "ID",
    "PURPOSE",
    "VERSION",
    "ALGORITHM",
    "ACTIVE",
    "WINDOW",
    "TRAINED",
  ]);
  return rows.map((r) => r.split(/ {2,}/));
}

/** The first `kamiyo ml train`, run once by whichever test needs its models first. */
let firstTraining: ReturnType<typeof kamiyo> | undefined;
const trainOnce = () => {
  firstTraining ??= kamiyo(["ml", "train"]);
  return firstTraining;
};

/** The ids and training anomaly rate the first `kamiyo ml train` printed. */
async function trained(): Promise<{ anomaly: string; forecast: string; rate: string }> {
  const { stdout } = await trainOnce();
  return {
    anomaly: /^anomaly model v1 \((mdl_[0-9a-f]{16})\)/.exec(stdout)?.[1] ?? "",
    forecast: /^forecast model v1 \((mdl_[0-9a-f]{16})\):$/m.exec(stdout)?.[1] ?? "",
    rate: /\(training anomaly rate (\d+\.\d\d)%\)$/m.exec(stdout)?.[1] ?? "",
  };
}

/** `kamiyo ml train --algorithm ensemble` on cloud_pro after the first training, run once. */
let ensembleTraining: ReturnType<typeof kamiyo> | undefined;
const trainEnsembleOnce = async () => {
  await trainOnce();
  ensembleTraining ??= kamiyo(["ml", "train", "--algorithm", "ensemble"], {
    DEPLOYMENT_MODE: "cloud_pro",
  });
  return ensembleTraining;
};

describe(`kamiyo ml on ${testDbKind}`, () => {
  it("status says there are no models; evaluate refuses until one is trained", async () => {
    const status = await kamiyo(["ml", "status"]);
    expect(status).toEqual({ code: 0, stdout: "no models: run `kamiyo ml train`\n", stderr: "" });
    const evaluate = await kamiyo(["ml", "evaluate"]);
    expect(evaluate.code).toBe(2);
    expect(evaluate.stderr).toBe("kamiyo: no anomaly model: run `kamiyo ml train` first\n");
  }, 60_000);

  it("refuses bad flags with exit code 2 and a message naming the flag", async () => {
    // Refused before any database is opened: these may run side by side.
    const cases: [string[], string][] = [
      [["--days", "0"], "option '--days <n>' argument '0' is invalid"],
      [["--since", "notatime"], "option '--since <time>' argument 'notatime' is invalid"],
      [["--replay", "/nonexistent"], "--replay: file not found: /nonexistent"],
      [["--algorithm", "bogus"], "option '--algorithm <name>' argument 'bogus' is invalid"],
      [["--algorithm", "ensemble"], "--algorithm ensemble: the open_source edition"],
    ];
    const runs = await Promise.all(cases.map(([args]) => kamiyo(["ml", "train", ...args])));
    runs.forEach((r, i) => {
      const [args, message] = cases[i] as [string[], string];
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^kamiyo: .*\n$/);
      expect(r.stderr).toContain(message);
    });
    expect(runs[4]?.stderr).toContain("DEPLOYMENT_MODE");
    // The window is checked against the stored history.
    const early = await kamiyo(["ml", "train", "--until", "2025-03-20T00:00:00Z"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toBe(
      `kamiyo: --until 2025-03-20T00:00:00Z is before the oldest stored data (the stored history runs from ${FIRST} to ${LAST})\n`,
    );
    const late = await kamiyo(["ml", "evaluate", "--since", "2025-04-01T00:00:00Z"]);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain("--since 2025-04-01T00:00:00Z is after the newest stored data");
    const reversed = await kamiyo([
      "ml",
      "train",
      "--since",
      "2025-03-28T00:00:00Z",
      "--until",
      "2025-03-27T00:00:00Z",
    ]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toBe(
      "kamiyo: --since must be before --until (got 2025-03-28T00:00:00Z and 2025-03-27T00:00:00Z)\n",
    );
    // 0.1 day = 144 minutes: 28 whole buckets, fewer than the 64 a model needs.
    const short = await kamiyo(["ml", "train", "--days", "0.1"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(
      /^kamiyo: training needs at least 64 buckets of history; the window holds 28 \(window \S+ to 2025-03-28T23:59:59Z\)\n$/,
    );
    // Nothing was saved: the next training is version 1 (asserted below).
  }, 120_000);

  it("an empty database says there is no stored history", async () => {
    for (const args of [
      ["ml", "train"],
      ["ml", "evaluate"],
    ]) {
      const r = await empty.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        "kamiyo: no stored history yet: run `kamiyo serve` or `kamiyo monitor` first, or train on a recording with --replay\n",
      );
    }
  }, 60_000);

  it("train learns both models from the stored history and prints what it learnt", async () => {
    const r = await trainOnce();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    const [, anomalyId] = /^anomaly model v1 \((mdl_[0-9a-f]{16})\): isolation-forest$/.exec(
      lines[0] ?? "",
    ) ?? [null, null];
    expect(anomalyId, lines[0]).not.toBeNull();
    expect(lines[1]).toBe(
      `  window       2025-03-24T00:00:00Z to 2025-03-28T23:55:00Z, ${BUCKETS} buckets of 5 min`,
    );
    const features = (lines[2] ?? "").replace(/^ {2}features {5}/, "").split(", ");
    expect(features).toContain("oracle_dev_max_bps");
    expect(features).toContain("hlp_return_bps");
    // No CEX prices and no liquidations are stored: those columns never vary, and are named;
    // the liquidator's exposure and the largest funding rate vary less than their minimum spread.
    const leftOut = lines.filter((l) => l.startsWith("  left out"));
    expect(leftOut.map((l) => /^ {2}left out {5}(\w+): /.exec(l)?.[1])).toEqual([
      "liquidator_exposure",
      "cex_dev_max_bps",
      "liq_count",
      "liq_notional",
      "liq_max",
      "adl_notional",
      "funding_abs_max_bps",
    ]);
    for (const f of ["cex_dev_max_bps", "liq_count", "liq_notional", "liq_max", "adl_notional"])
      expect(leftOut).toContain(
        `  left out     ${f}: constant 0 over the window (the model cannot see it)`,
      );
    for (const f of ["liquidator_exposure", "funding_abs_max_bps"])
      expect(leftOut.find((l) => l.includes(` ${f}: `))).toMatch(
        /: varied only [\d.e-]+ around [-\d.e]+, under its minimum spread \(the model cannot see it\)$/,
      );
    expect(features.length + leftOut.length).toBe(16);
    const threshold = lines.find((l) => l.startsWith("  threshold")) ?? "";
    const [, score, rate] =
      /^ {2}threshold {4}(0\.\d{4}) \(training anomaly rate (\d+\.\d\d)%\)$/.exec(threshold) ?? [];
    expect(Number(score)).toBeGreaterThan(0.5);
    expect(Number(rate)).toBeGreaterThan(0.5);
    expect(Number(rate)).toBeLessThan(2);
    expect(lines).toContain(
      "  incidents    none in the window (no high or critical rule findings): no ROC-AUC",
    );
    const fi = lines.findIndex((l) => l.startsWith("forecast model"));
    const [, forecastId] =
      /^forecast model v1 \((mdl_[0-9a-f]{16})\):$/.exec(lines[fi] ?? "") ?? [];
    expect(forecastId, lines[fi]).toBeDefined();
    expect(await trained()).toEqual({ anomaly: anomalyId, forecast: forecastId, rate });
    const series = lines.slice(fi + 1);
    expect(series).toHaveLength(3);
    // 5 days are 120 hourly points: ARIMA (order by AIC), except the constant liquidation series.
    expect(series[0]).toMatch(
      /^ {2}anomaly_score {12}arima \(\d,[01],\d\), 120 hourly points, AIC -?\d+\.\d$/,
    );
    expect(series[1]).toBe("  liquidation_notional     ewma, 120 hourly points");
    expect(series[2]).toMatch(
      /^ {2}oracle_dev_max_bps {7}arima \(\d,[01],\d\), 120 hourly points, AIC -?\d+\.\d$/,
    );
  }, 60_000);

  it("status then lists both models, version 1, active", async () => {
    const { anomaly, forecast } = await trained();
    const r = await kamiyo(["ml", "status"]);
    expect(r.code).toBe(0);
    const rows = statusRows(r.stdout);
    expect(rows).toHaveLength(2);
    const byPurpose = new Map(rows.map((row) => [row[1], row]));
    expect(byPurpose.get("anomaly")?.slice(0, 6)).toEqual([
      anomaly,
      "anomaly",
      "1",
      "isolation-forest",
      "yes",
      "2025-03-24T00:00:00Z to 2025-03-28T23:55:00Z",
    ]);
    expect(byPurpose.get("forecast")?.slice(0, 5)).toEqual([
      forecast,
      "forecast",
      "1",
      "arima",
      "yes",
    ]);
  }, 60_000);

  it("evaluate --json reports every bucket of the window scored by the active model", async () => {
    const { anomaly, rate } = await trained();
    const r = await kamiyo(["ml", "evaluate", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.model).toEqual({
      id: anomaly,
      version: 1,
      algorithm: "isolation-forest",
    });
    const s = report.summary;
    expect(s.buckets).toBe(BUCKETS);
    // The same model on the same buckets: the training anomaly rate again.
    expect(((s.anomalous / s.buckets) * 100).toFixed(2)).toBe(rate);
    expect(s.bySeverity.critical + s.bySeverity.high + s.bySeverity.medium).toBe(s.anomalous);
    expect(s).toMatchObject({ incidentBuckets: 0, rocAuc: null, precision: null, recall: null });
    expect(s.anomalous).toBeGreaterThan(0);
    expect(report.anomalies).toHaveLength(s.anomalous);
    const starts = report.anomalies.map((a: { start: number }) => a.start);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (const a of report.anomalies) {
      expect(a.end - a.start).toBe(300_000);
      expect(a.start).toBeGreaterThanOrEqual(Date.parse("2025-03-24T00:00:00Z"));
      expect(a.end).toBeLessThanOrEqual(Date.parse("2025-03-28T23:55:00Z"));
      expect(a.incident).toBe(false);
      expect(a.top.length).toBeGreaterThan(0);
    }

    const day = await kamiyo([
      "ml",
      "evaluate",
      "--since",
      "2025-03-27T00:00:00Z",
      "--until",
      "2025-03-28T00:00:00Z",
    ]);
    expect(day.code).toBe(0);
    expect(day.stdout).toContain(
      "model v1 (isolation-forest) on 2025-03-27T00:00:00Z to 2025-03-28T00:00:00Z\n  buckets 288, anomalous ",
    );
  }, 60_000);

  it("--algorithm ensemble needs DEPLOYMENT_MODE cloud_pro: then it trains version 2", async () => {
    const r = await trainEnsembleOnce();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^anomaly model v2 \(mdl_[0-9a-f]{16}\): ensemble\n/);
    expect(r.stdout).toMatch(/\nforecast model v2 \(mdl_[0-9a-f]{16}\):\n/);
    const rows = statusRows((await kamiyo(["ml", "status"])).stdout);
    const summary = rows.map((row) => row.slice(1, 5).join(" ")).sort();
    expect(summary).toEqual([
      "anomaly 1 isolation-forest no",
      "anomaly 2 ensemble yes",
      "forecast 1 arima no",
      "forecast 2 arima yes",
    ]);
  }, 60_000);

  it("train --replay of a recording too short to learn from: a clear refusal, nothing saved", async () => {
    await trainEnsembleOnce();
    const file = join(storage.dir, "backstop.ndjson");
    writeFileSync(file, `${ethBackstopRecording().join("\n")}\n`);
    // The recording carries deliberate bad lines and unrecorded requests: their warnings aside.
    const r = await kamiyo(["ml", "train", "--replay", file], { LOG_LEVEL: "error" });
    expect(r.stdout).toBe("");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^kamiyo: training needs at least 64 buckets of history; the window holds \d \(window 2025-03-12T\S+ to 2025-03-12T\S+\)\n$/,
    );
    const rows = statusRows((await kamiyo(["ml", "status"])).stdout);
    expect(rows).toHaveLength(4);
    expect(rows.filter((row) => row[4] === "yes").map((row) => row[2])).toEqual(["2", "2"]);
  }, 120_000);
});
