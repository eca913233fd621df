import { AppError } from "@kamiyo/core";
import { activeModel, listModels } from "@kamiyo/db";
import {
  AnomalyModel,
  FORECAST_SERIES,
  type ForecastSeriesName,
  featuresFromHistory,
  forecastSeries,
  HOUR_MS,
  hourlySeries,
  parseForecaster,
} from "@kamiyo/ml";
import type { ApiDeps } from "../deps.ts";

/** History the forecast filters before forecasting: the last 7 days. */
const FORECAST_CONTEXT_MS = 7 * 86_400_000;

/** The stored model versions and which are active. */
export async function mlStatus(deps: ApiDeps) {
  const models = await listModels(deps.db, deps.tenantId);
  const active = models.filter((m) => m.active);
  return {
    available: active.some((m) => m.purpose === "anomaly"),
    models: models.map((m) => ({
      id: m.id,
      purpose: m.purpose,
      algorithm: m.algorithm,
      version: m.version,
      active: m.active,
      features: m.features,
      windowStart: new Date(m.windowStart).toISOString(),
      windowEnd: new Date(m.windowEnd).toISOString(),
      trainedAt: new Date(m.createdAt).toISOString(),
      metrics: m.metrics,
    })),
    series: FORECAST_SERIES.map((s) => ({ ...s })),
    message: active.length > 0 ? "models trained" : "no model is trained: run `kamiyo ml train`",
  };
}

/**
 * The next `hours` of one series: the active forecaster applied to the last 7 days of stored
 * history, hour by hour, with 95% intervals.
 * @throws AppError not_found when no forecast model was trained, or the window has no data.
 */
export async function mlForecast(deps: ApiDeps, series: ForecastSeriesName, hours: number) {
  const [forecast, anomaly] = await Promise.all([
    activeModel(deps.db, deps.tenantId, "forecast"),
    activeModel(deps.db, deps.tenantId, "anomaly"),
  ]);
  if (!forecast || !anomaly)
    throw new AppError("not_found", "no forecast model is trained: run `kamiyo ml train`");
  const state = forecast.state as { series?: unknown[] };
  const forecasters = (state.series ?? []).map(parseForecaster);
  const f = forecasters.find((x) => x.name === series);
  if (!f) throw new AppError("not_found", `the active forecast model has no series ${series}`);
  const model = AnomalyModel.fromJSON(anomaly.state);
  const now = deps.clock.now();
  const rows = await featuresFromHistory(deps.db, deps.tenantId, {
    since: now - FORECAST_CONTEXT_MS,
    until: now,
    bucketMs: model.state.bucketMs,
  });
  const recent = hourlySeries(rows, series, model);
  if (recent.values.length === 0)
    throw new AppError("not_found", "no stored history in the last 7 days to forecast from");
  const fc = forecastSeries(f, recent.values, hours);
  const next = recent.start + recent.values.length * HOUR_MS;
  return {
    series,
    method: fc.method,
    model: fc.model,
    modelId: forecast.id,
    modelVersion: forecast.version,
    basedOn: {
      from: new Date(recent.start).toISOString(),
      hours: recent.values.length,
      filled: recent.filled,
    },
    level: 0.95,
    points: fc.mean.map((mean, i) => ({
      time: new Date(next + i * HOUR_MS).toISOString(),
      mean,
      lower: fc.lower[i] as number,
      upper: fc.upper[i] as number,
    })),
  };
}
