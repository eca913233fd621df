import { apiHarness, finding, type Harness } from "@kamiyo/api/testing";
import { activeModel, saveModel, upsertFindings } from "@kamiyo/db";
import { fitArima } from "@kamiyo/ml";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORECAST_SERIES_NAMES } from "../ml/forecast/hourly-series.ts";
import { type TrainedSeries, trainForecasts } from "../ml/forecast/train-forecasts.ts";
import { type MlConfig, mlConfig } from "../ml/ml-config.ts";
import { type CandleHistory, writeCandleHistory } from "../ml/testing/candle-history.ts";
import { trainAnomaly } from "../ml/training/train-anomaly.ts";
import { hyperliquidApi } from "./index.ts";

const HOUR = 3_600_000;
/** The candle fixtures cover [2025-03-24T00:00Z, 2025-03-29T00:00Z): 1,440 buckets, 120 hours. */
const DATA_START = Date.UTC(2025, 2, 24);
const DATA_END = Date.UTC(2025, 2, 29);
/** The API's clock: 10 minutes after the data ends, so the last bucket is closed. */
const NOW = DATA_END + 10 * 60_000;

let h: Harness;
let history: CandleHistory;
let config: MlConfig;

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [hyperliquidApi] });
  history = await writeCandleHistory(h.db, h.deps.tenantId);
  h.clock.advanceTo(NOW);
  config = mlConfig.parse({});
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string, route: string, status = 200) => h.get(url, route, status);

/** Trains the anomaly model and the forecasters on the whole fixture history, as `kamiyo ml train` does. */
async function train(now: number): Promise<TrainedSeries[]> {
  const window = { since: history.first, until: DATA_END };
  const anomaly = await trainAnomaly(h.db, h.deps.tenantId, {
    ...window,
    algorithm: "isolation-forest",
    config,
    now,
  });
  const forecast = await trainForecasts(h.db, h.deps.tenantId, {
    ...window,
    anomaly: anomaly.model,
    now,
  });
  return forecast.series;
}

interface ModelJson {
  id: string;
  purpose: string;
  algorithm: string;
  version: number;
  active: boolean;
  features: string[];
  windowStart: string;
  windowEnd: string;
  trainedAt: string;
  metrics: Record<string, unknown>;
}

interface PointJson {
  time: string;
  mean: number;
  lower: number;
  upper: number;
}

describe(`ML routes on ${testDbKind}`, () => {
  let trained: TrainedSeries[] = [];

  it("GET /ml/status before training: not available, no models, says to run kamiyo ml train", async () => {
    const body = await get("/ml/status", "/ml/status");
    expect(body.available).toBe(false);
    expect(body.models).toEqual([]);
    expect(body.message).toContain("kamiyo ml train");
    expect(body.series.map((s: { name: string }) => s.name)).toEqual([...FORECAST_SERIES_NAMES]);
  });

  it("GET /ml/forecast before training is a 404 envelope", async () => {
    const body = await get("/ml/forecast", "/ml/forecast", 404);
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("kamiyo ml train");
    expect(body.error.requestId).toMatch(/^req_/);
  });

  it("GET /ml/status after training lists both models, version 1 and active, with their windows and metrics", async () => {
    trained = await train(NOW);
    const body = await get("/ml/status", "/ml/status");
    expect(body.available).toBe(true);
    expect(body.message).not.toContain("kamiyo ml train");
    expect(body.models).toHaveLength(2);
    const anomaly = body.models.find((m: ModelJson) => m.purpose === "anomaly") as ModelJson;
    const forecast = body.models.find((m: ModelJson) => m.purpose === "forecast") as ModelJson;
    expect(anomaly).toMatchObject({
      algorithm: "isolation-forest",
      version: 1,
      active: true,
      // The first bucket holding a market sample and the parent's value, to the end of the last.
      windowStart: new Date(DATA_START).toISOString(),
      windowEnd: new Date(DATA_END).toISOString(),
      trainedAt: new Date(NOW).toISOString(),
    });
    expect(anomaly.id).toMatch(/^mdl_[0-9a-f]{16}$/);
    // No CEX prices and no liquidations in the fixture: those columns are constant, left out.
    expect(anomaly.features).toContain("oracle_dev_max_bps");
    expect(anomaly.features).toContain("hlp_return_bps");
    expect(anomaly.features).not.toContain("cex_dev_max_bps");
    expect(anomaly.features).not.toContain("liq_notional");
    const excluded = (anomaly.metrics.excludedFeatures as { name: string }[]).map((e) => e.name);
    expect(excluded).toEqual(
      expect.arrayContaining(["cex_dev_max_bps", "liq_count", "liq_notional", "adl_notional"]),
    );
    expect(anomaly.features.length + excluded.length).toBe(16);
    expect(anomaly.metrics.rows).toBe(1440);
    expect(anomaly.metrics.incidentBuckets).toBe(0);
    expect(anomaly.metrics.threshold).toBeGreaterThan(0.5);
    expect(anomaly.metrics.threshold).toBeLessThan(1);
    // contamination 0.01: about 1% of the training buckets are over the threshold.
    expect(anomaly.metrics.trainingAnomalyRate).toBeGreaterThan(0.005);
    expect(anomaly.metrics.trainingAnomalyRate).toBeLessThan(0.02);

    expect(forecast).toMatchObject({
      algorithm: "arima",
      version: 1,
      active: true,
      features: [...FORECAST_SERIES_NAMES],
      windowEnd: new Date(DATA_END).toISOString(),
    });
    // The first bucket's start, or the first datum in it (the window asked for).
    expect(Date.parse(forecast.windowStart)).toBeGreaterThanOrEqual(DATA_START);
    expect(Date.parse(forecast.windowStart)).toBeLessThanOrEqual(history.first);
    expect(forecast.metrics.series).toEqual(trained);
    expect(trained.map((s) => [s.name, s.method, s.points])).toEqual([
      ["anomaly_score", "arima", 120],
      // No liquidations: a constant series, forecast by the EWMA baseline.
      ["liquidation_notional", "ewma", 120],
      ["oracle_dev_max_bps", "arima", 120],
    ]);
  });

  it("GET /ml/forecast: 24 hourly points of the anomaly score after the last data hour, by ARIMA", async () => {
    const body = await get("/ml/forecast", "/ml/forecast");
    const stored = await activeModel(h.db, h.deps.tenantId, "forecast");
    const order = trained[0]?.order;
    expect(body).toMatchObject({
      series: "anomaly_score",
      method: "arima",
      modelId: stored?.id,
      modelVersion: 1,
      basedOn: { from: new Date(DATA_START).toISOString(), hours: 120, filled: 0 },
      level: 0.95,
    });
    expect(body.model).toContain(`ARIMA(${order?.p},${order?.d},${order?.q})`);
    const points = body.points as PointJson[];
    expect(points.map((p) => p.time)).toEqual(
      Array.from({ length: 24 }, (_, i) => new Date(DATA_END + i * HOUR).toISOString()),
    );
    for (const p of points) {
      expect(p.lower).toBeLessThan(p.mean);
      expect(p.mean).toBeLessThan(p.upper);
      // An Isolation Forest score lies in (0, 1]; a stationary fit stays inside.
      expect(p.mean).toBeGreaterThan(0);
      expect(p.mean).toBeLessThan(1);
    }
    // Intervals widen (or stay) with the horizon.
    const width = points.map((p) => p.upper - p.lower);
    for (let i = 1; i < width.length; i++)
      expect(width[i]).toBeGreaterThanOrEqual((width[i - 1] as number) - 1e-12);
  });

  it("GET /ml/forecast?hours=6 gives the first 6 of those points", async () => {
    const full = await get("/ml/forecast", "/ml/forecast");
    const six = await get("/ml/forecast?hours=6", "/ml/forecast");
    expect(six.points).toHaveLength(6);
    expect(six.points).toEqual(full.points.slice(0, 6));
    const week = await get("/ml/forecast?hours=168", "/ml/forecast");
    expect(week.points).toHaveLength(168);
  });

  it("GET /ml/forecast of the other series: oracle deviation by ARIMA, a constant series by EWMA", async () => {
    const oracle = await get("/ml/forecast?series=oracle_dev_max_bps&hours=3", "/ml/forecast");
    expect(oracle).toMatchObject({ series: "oracle_dev_max_bps", method: "arima" });
    for (const p of oracle.points as PointJson[]) {
      expect(p.lower).toBeLessThanOrEqual(p.mean);
      expect(p.mean).toBeLessThanOrEqual(p.upper);
      expect(p.mean).toBeGreaterThan(0);
    }
    const liq = await get("/ml/forecast?series=liquidation_notional&hours=3", "/ml/forecast");
    expect(liq).toMatchObject({ series: "liquidation_notional", method: "ewma" });
    expect(liq.points).toEqual(
      [0, 1, 2].map((i) => ({
        time: new Date(DATA_END + i * HOUR).toISOString(),
        mean: 0,
        lower: 0,
        upper: 0,
      })),
    );
  });

  it("GET /ml/forecast refuses bad parameters with a 400 naming them", async () => {
    for (const [q, param] of [
      ["hours=0", "hours"],
      ["hours=169", "hours"],
      ["hours=abc", "hours"],
      ["hours=2.5", "hours"],
      ["series=bogus", "series"],
    ] as const) {
      const body = await get(`/ml/forecast?${q}`, "/ml/forecast", 400);
      expect(body.error.code, q).toBe("invalid_input");
      expect(body.error.message, q).toContain(`query parameter "${param}"`);
      expect(body.error.requestId).toMatch(/^req_/);
    }
  });

  it("GET /ml/anomalies lists only ML findings, newest first, paged by cursor", async () => {
    const ml = [0, 1, 2, 3, 4].map((i) =>
      finding(i, {
        tenantId: h.deps.tenantId,
        detector: "ml",
        kind: "anomaly",
        subject: { type: "market", id: "hyperliquid" },
        key: "",
        title: `ML anomaly ${i}`,
        // Ids do not follow detection time: the order must come from detectedAt.
        id: `fnd_mlanomaly000000000000${9 - i}`,
        detectedAt: DATA_END - i * 600_000,
        updatedAt: DATA_END - i * 600_000,
        dataAt: DATA_END - i * 600_000,
        firstDataAt: DATA_END - i * 600_000 - 300_000,
      }),
    );
    const rule = finding(7, {
      tenantId: h.deps.tenantId,
      detector: "oracle",
      detectedAt: DATA_END + 60_000,
      updatedAt: DATA_END + 60_000,
    });
    await upsertFindings(h.db, [...ml, rule]);

    const all = await get("/ml/anomalies", "/ml/anomalies");
    expect(all.data.map((f: { id: string }) => f.id)).toEqual(ml.map((f) => f.id));
    expect(all.data.every((f: { detector: string }) => f.detector === "ml")).toBe(true);
    expect(all.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body = await get(
        `/ml/anomalies?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        "/ml/anomalies",
      );
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((f: { id: string }) => f.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(ml.map((f) => f.id));

    const critical = await get("/ml/anomalies?severity=critical", "/ml/anomalies");
    expect(critical.data.map((f: { id: string }) => f.id)).toEqual(
      ml.filter((f) => f.severity === "critical").map((f) => f.id),
    );
    const since = new Date(DATA_END - 1_500_000).toISOString();
    const recent = await get(`/ml/anomalies?since=${since}`, "/ml/anomalies");
    expect(recent.data.map((f: { id: string }) => f.id)).toEqual(ml.slice(0, 3).map((f) => f.id));
  });

  it("GET /ml/anomalies refuses a bad limit or cursor with a 400 naming it", async () => {
    for (const [q, param] of [
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=abc", "limit"],
      ["cursor=notacursor", "cursor"],
    ] as const) {
      const body = await get(`/ml/anomalies?${q}`, "/ml/anomalies", 400);
      expect(body.error.code, q).toBe("invalid_input");
      expect(body.error.message, q).toContain(`"${param}"`);
    }
  });

  it("retraining makes version 2 active and keeps version 1, inactive; the forecast uses version 2", async () => {
    await train(NOW + 60_000);
    const body = await get("/ml/status", "/ml/status");
    expect(body.models).toHaveLength(4);
    const versions = (purpose: string) =>
      body.models
        .filter((m: ModelJson) => m.purpose === purpose)
        .map((m: ModelJson) => [m.version, m.active]);
    expect(versions("anomaly")).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions("forecast")).toEqual([
      [2, true],
      [1, false],
    ]);
    const fc = await get("/ml/forecast?hours=1", "/ml/forecast");
    expect(fc.modelVersion).toBe(2);
    expect(fc.modelId).toBe((await activeModel(h.db, h.deps.tenantId, "forecast"))?.id);
  });

  it("GET /ml/forecast is a 404, not a 400, when the last 7 days are too short for the stored ARIMA", async () => {
    // A forecaster with one difference (d = 1) needs 2 recent hours; 20 minutes are left in the
    // 7-day window (one hour). Fitted on a real series: the hourly ETH closes of the fixture.
    const closes = (
      await h.db.query<{ mark_px: number }>(
        "SELECT mark_px FROM market_samples WHERE tenant_id = $1 AND coin = 'ETH' AND extract(minute FROM ts) = 59 ORDER BY ts",
        [h.deps.tenantId],
      )
    ).map((r) => r.mark_px);
    expect(closes).toHaveLength(120);
    const model = fitArima(closes, { p: 0, d: 1, q: 0 });
    const anomaly = await activeModel(h.db, h.deps.tenantId, "anomaly");
    await saveModel(
      h.db,
      h.deps.tenantId,
      {
        purpose: "forecast",
        algorithm: "arima",
        features: ["anomaly_score"],
        windowStart: DATA_START,
        windowEnd: DATA_END,
        metrics: {},
        state: {
          version: 1,
          stepMs: HOUR,
          bucketMs: anomaly ? (anomaly.state as { bucketMs: number }).bucketMs : 300_000,
          series: [{ name: "anomaly_score", method: "arima", model: model.toJSON() }],
        },
      },
      NOW + 120_000,
    );
    const ok = await get("/ml/forecast?hours=2", "/ml/forecast");
    expect(ok).toMatchObject({ method: "arima", modelVersion: 3, basedOn: { hours: 120 } });
    h.clock.advanceTo(DATA_END + 7 * 24 * HOUR - 20 * 60_000);
    const body = await get("/ml/forecast?hours=2", "/ml/forecast", 404);
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toBe(
      "only 1 hour of stored history in the last 7 days; ARIMA(0,1,0) with drift needs 2 to forecast anomaly_score",
    );
  });

  it("GET /ml/forecast is a 404 once the last 7 days hold no history", async () => {
    h.clock.advanceTo(DATA_END + 8 * 24 * HOUR);
    const body = await get("/ml/forecast", "/ml/forecast", 404);
    expect(body.error).toMatchObject({ code: "not_found" });
    expect(body.error.message).toContain("last 7 days");
  });

  it("GET /ml/forecast with an unreadable stored model is a 500 naming the model, not a 400", async () => {
    const stored = await saveModel(
      h.db,
      h.deps.tenantId,
      {
        purpose: "forecast",
        algorithm: "arima",
        features: ["anomaly_score"],
        windowStart: DATA_START,
        windowEnd: DATA_END,
        metrics: {},
        state: { version: 1, series: [{ name: "anomaly_score", method: "prophet" }] },
      },
      NOW + 180_000,
    );
    const body = await get("/ml/forecast", "/ml/forecast", 500);
    expect(body.error.code).toBe("internal");
    expect(body.error.message).toContain(
      `forecast model v${stored.version} (${stored.id}) is unreadable`,
    );
    expect(body.error.message).toContain("kamiyo ml train");
  });
});
