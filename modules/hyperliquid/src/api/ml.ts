import type { ApiDeps } from "@kamiyo/api";
import { AppError, describeError } from "@kamiyo/core";
import { activeModel, listModels, type StoredModel } from "@kamiyo/db";
import { ArimaModel, forecastSeries, parseForecaster } from "@kamiyo/ml";
import { AnomalyModel } from "../ml/anomaly/anomaly-model.ts";
import { featuresFromHistory } from "../ml/features/history-features.ts";
import {
  FORECAST_SERIES,
  type ForecastSeriesName,
  HOUR_MS,
  hourlySeries,
} from "../ml/forecast/hourly-series.ts";

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
 * @throws AppError not_found when no forecast model was trained, or the window holds too little
 *   data for the series' forecaster (none, or fewer hours than its differencing needs);
 *   internal when a stored model is unreadable.
 */
export async function mlForecast(deps: ApiDeps, series: ForecastSeriesName, hours: number) {
  const [forecast, anomaly] = await Promise.all([
    activeModel(deps.db, deps.tenantId, "forecast"),
    activeModel(deps.db, deps.tenantId, "anomaly"),
  ]);
  if (!forecast || !anomaly)
    throw new AppError("not_found", "no forecast model is trained: run `kamiyo ml train`");
  const forecasters = readStored(forecast, () => {
    const state = forecast.state as { series?: unknown[] } | null;
    return (state?.series ?? []).map(parseForecaster);
  });
  const f = forecasters.find((x) => x.name === series);
  if (!f) throw new AppError("not_found", `the active forecast model has no series ${series}`);
  const model = readStored(anomaly, () => AnomalyModel.fromJSON(anomaly.state));
  const arima =
    f.method === "arima" ? readStored(forecast, () => ArimaModel.fromJSON(f.model)) : null;
  const now = deps.clock.now();
  const rows = await featuresFromHistory(deps.db, deps.tenantId, {
    since: now - FORECAST_CONTEXT_MS,
    until: now,
    bucketMs: model.state.bucketMs,
  });
  const recent = hourlySeries(rows, series, model);
  if (recent.values.length === 0)
    throw new AppError("not_found", "no stored history in the last 7 days to forecast from");
  // An ARIMA with d differences filters from at least d + 1 values (a client cannot fix that).
  const need = arima ? arima.order.d + 1 : 1;
  if (recent.values.length < need)
    throw new AppError(
      "not_found",
      `only ${plural(recent.values.length, "hour")} of stored history in the last 7 days; ${arima?.name} needs ${need} to forecast ${series}`,
      { details: { hours: recent.values.length, need } },
    );
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

/**
 * Reads a stored model's state. A state this version cannot read is a server-side problem (a
 * model from another version, a damaged row), not the client's: AppError internal, naming the
 * model and what to do.
 */
function readStored<T>(stored: Pick<StoredModel, "id" | "purpose" | "version">, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new AppError(
      "internal",
      `the active ${stored.purpose} model v${stored.version} (${stored.id}) is unreadable: ${describeError(err)}; run \`kamiyo ml train\` to replace it`,
    );
  }
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
