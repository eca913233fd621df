import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Signal } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, PgliteDb } from "@kamiyo/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnomalyDetector } from "../ml/anomaly/anomaly-detector.ts";
import type { AnomalyModel } from "../ml/anomaly/anomaly-model.ts";
import { featuresFromHistory } from "../ml/features/history-features.ts";
import { mlConfig } from "../ml/ml-config.ts";
import { trainAnomaly } from "../ml/training/train-anomaly.ts";
import { historySpan, readHistory } from "../store/index.ts";
import { runScenario, runsDir, type Seen, sharedModel } from "./scenario-harness.ts";
import { quietDataDir } from "./scenario-runs.ts";

const T = DEFAULT_TENANT_ID;
const config = mlConfig.parse({});

/** The ML findings opened or escalated, and the first and last high or critical rule-based finding. */
function summarise(seen: readonly Seen[]) {
  const ml = seen.filter(
    (s) => s.finding.detector === "ml" && (s.change === "opened" || s.change === "escalated"),
  );
  const rule = seen.filter(
    (s) =>
      s.finding.detector !== "ml" &&
      s.finding.detector !== "correlation" &&
      (s.finding.severity === "high" || s.finding.severity === "critical"),
  );
  return { ml, incidentAt: rule[0]?.ts ?? null, incidentEnd: rule.at(-1)?.ts ?? null };
}

describe("ML anomaly detector, trained on the quiet day, on the incident replays", () => {
  let quiet: Db;
  let model: AnomalyModel;
  let cleanup: (() => void) | undefined;

  beforeAll(async () => {
    await runScenario("quiet");
    // A copy of the quiet day's stored history: training saves models into it.
    const copy = mkdtempSync(join(tmpdir(), "kamiyo-quiet-"));
    cpSync(quietDataDir(runsDir()), copy, { recursive: true });
    cleanup = () => rmSync(copy, { recursive: true, force: true });
    quiet = await PgliteDb.open(copy);
    model = sharedModel();
  }, 900_000);
  afterAll(async () => {
    await quiet?.close();
    cleanup?.();
  });

  it("trains on the quiet day's stored history and saves the active version", async () => {
    const span = await historySpan(quiet, T);
    if (!span) throw new Error("the quiet day stored no history");
    const trained = await trainAnomaly(quiet, T, {
      since: span.first,
      until: span.last + 1,
      algorithm: "isolation-forest",
      config,
      now: span.last,
    });
    // The incidents were replayed with this model (trained the same way by the shared setup).
    expect(trained.model.toJSON().features).toEqual(model.state.features);
    const rows = await featuresFromHistory(quiet, T, { since: span.first, until: span.last + 1 });
    expect(rows.length).toBeGreaterThanOrEqual(280);
    expect(trained.stored.version).toBe(1);
    expect(trained.stored.active).toBe(true);
    // No liquidation on the quiet day: those columns are left out, and named.
    expect(model.state.excluded.map((e) => e.name)).toContain("liq_notional");
    expect(model.state.features).toContain("price_move_max_bps");
  });

  it("raises nothing over the quiet day: an isolated bucket over the threshold is not confirmed", async () => {
    const raised = await detectOver(quiet, model);
    expect(raised).toEqual([]);
  });

  it("raises nothing over quiet-day hours it did not learn from (trained on the first 16 h)", async () => {
    const span = await historySpan(quiet, T);
    if (!span) throw new Error("no history");
    const cut = span.first + 16 * 3_600_000;
    const early = await trainAnomaly(quiet, T, {
      since: span.first,
      until: cut,
      algorithm: "isolation-forest",
      config,
      now: cut,
    });
    const raised = await detectOver(quiet, early.model, cut - 3_600_000);
    expect(raised.filter((r) => r.at >= cut)).toEqual([]);
  });

  for (const scenario of ["cascade", "ethWhale", "jelly"] as const) {
    it(`flags the incident window of ${scenario}, at high or critical, and not before it`, async () => {
      const run = await runScenario(scenario);
      const { ml, incidentAt, incidentEnd } = summarise(run.changes);
      expect(incidentAt).not.toBeNull();
      const first = ml[0];
      expect(first, "no ML finding").toBeDefined();
      // Not before the incident (the bucket before its start may already show it), and while the
      // rule-based detectors still report it (the window of high and critical rule findings).
      expect((first?.ts ?? 0) - (incidentAt ?? 0)).toBeGreaterThan(-10 * 60_000);
      expect(first?.ts ?? Infinity).toBeLessThanOrEqual(incidentEnd ?? 0);
      const worst = ml.map((s) => s.finding.severity);
      expect(worst.some((s) => s === "high" || s === "critical")).toBe(true);
      // Live features are the stored-history features the model was trained on, bucket for bucket.
      const online = run.ml?.online ?? [];
      const offline = run.ml?.offline ?? [];
      expect(online.length).toBeGreaterThan(0);
      expect(online).toEqual(offline.slice(0, online.length));
      expect(online.length).toBeGreaterThanOrEqual(offline.length - 1);
      // Its counters reach the monitor's health (and so /metrics).
      expect(run.summary.health?.derived.ml?.scored).toBe(online.length);
    });
  }
});

/** Drives a detector over stored history as the live pipeline would (rows, then ticks). */
async function detectOver(
  db: Db,
  model: AnomalyModel,
  since = 0,
): Promise<{ at: number; what: string }[]> {
  const raised: { at: number; what: string }[] = [];
  const detector = new AnomalyDetector(model, {
    modelId: "mdl_test",
    modelVersion: 1,
    confirmBuckets: config.confirmBuckets,
  });
  const out = {
    raise: (s: Signal) => raised.push({ at: s.dataTime, what: `${s.severity} ${s.title}` }),
    resolve: () => {},
  };
  const span = await historySpan(db, T);
  if (!span) return raised;
  for await (const r of readHistory(db, T, {
    since: Math.max(since, span.first),
    until: span.last + 1,
  }))
    detector.record(r, out);
  detector.tick(span.last + 3_600_000, out);
  return raised;
}
