import type { FindingChange, Signal } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, historySpan, readHistory } from "@kamiyo/db";
import {
  AnomalyDetector,
  type AnomalyModel,
  type FeatureRow,
  featuresFromHistory,
  mlConfig,
  trainAnomaly,
} from "@kamiyo/ml";
import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayScenario } from "./scenario-harness.ts";

const T = DEFAULT_TENANT_ID;
const config = mlConfig.parse({});

interface Seen {
  ts: number;
  change: FindingChange;
}

/** Replays a scenario with the anomaly detector in the pipeline; keeps every finding change. */
async function replayWith(file: string, model: AnomalyModel) {
  const db = await createTestDb();
  const seen: Seen[] = [];
  const online: FeatureRow[] = [];
  const detector = new AnomalyDetector(model, {
    modelId: "mdl_test",
    modelVersion: 1,
    confirmBuckets: config.confirmBuckets,
    onScore: (row) => online.push(row),
  });
  try {
    const summary = await replayScenario(file, db, {
      derived: () => [detector],
      onChange: (change, ts) => seen.push({ ts, change }),
    });
    const span = await historySpan(db, T);
    const offline = span
      ? await featuresFromHistory(db, T, { since: span.first, until: span.last + 1 })
      : [];
    return { seen, online, offline, summary };
  } finally {
    await db.close();
  }
}

/** The ML findings opened or escalated, and the first high or critical rule-based finding. */
function summarise(seen: Seen[]) {
  const ml = seen.filter(
    (s) =>
      s.change.finding.detector === "ml" &&
      (s.change.change === "opened" || s.change.change === "escalated"),
  );
  const rule = seen.filter(
    (s) =>
      s.change.finding.detector !== "ml" &&
      (s.change.finding.severity === "high" || s.change.finding.severity === "critical"),
  );
  return { ml, incidentAt: rule[0]?.ts ?? null, incidentEnd: rule.at(-1)?.ts ?? null };
}

describe("ML anomaly detector, trained on the quiet day, on the incident replays", () => {
  let quiet: Db;
  let model: AnomalyModel;
  let rows: FeatureRow[];

  beforeAll(async () => {
    quiet = await createTestDb();
    await replayScenario("quiet-day-2025-03-27.ndjson.gz", quiet);
  }, 300_000);
  afterAll(() => quiet?.close());

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
    model = trained.model;
    rows = await featuresFromHistory(quiet, T, { since: span.first, until: span.last + 1 });
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

  for (const scenario of [
    "cascade-2025-10-10.ndjson.gz",
    "eth-whale-2025-03-12.ndjson.gz",
    "jelly-2025-03-26.ndjson.gz",
  ]) {
    it(`flags the incident window of ${scenario}, at high or critical, and not before it`, async () => {
      const run = await replayWith(scenario, model);
      const { ml, incidentAt, incidentEnd } = summarise(run.seen);
      expect(incidentAt).not.toBeNull();
      const first = ml[0];
      expect(first, "no ML finding").toBeDefined();
      // Not before the incident (the bucket before its start may already show it), and while the
      // rule-based detectors still report it (the window of high and critical rule findings).
      expect((first?.ts ?? 0) - (incidentAt ?? 0)).toBeGreaterThan(-10 * 60_000);
      expect(first?.ts ?? Infinity).toBeLessThanOrEqual(incidentEnd ?? 0);
      const worst = ml.map((s) => s.change.finding.severity);
      expect(worst.some((s) => s === "high" || s === "critical")).toBe(true);
      // Live features are the stored-history features the model was trained on, bucket for bucket.
      expect(run.online.map((r) => [r.start, ...r.values])).toEqual(
        run.offline.slice(0, run.online.length).map((r) => [r.start, ...r.values]),
      );
      expect(run.online.length).toBeGreaterThanOrEqual(run.offline.length - 1);
      // Its counters reach the monitor's health (and so /metrics).
      expect(run.summary.health?.derived.ml?.scored).toBe(run.online.length);
    }, 180_000);
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
