import { type Db, type NewModel, type StoredModel, saveModel } from "@kamiyo/db";
import { fitForecaster, type SeriesForecaster } from "@kamiyo/ml";
import type { AnomalyModel } from "../anomaly/anomaly-model.ts";
import type { FeatureRow } from "../features/feature-set.ts";
import { featuresFromHistory } from "../features/history-features.ts";
import { FORECAST_SERIES_NAMES, hourlySeries } from "./hourly-series.ts";

export interface TrainedSeries {
  name: string;
  method: "arima" | "ewma";
  order: { p: number; d: number; q: number } | null;
  aic: number | null;
  points: number;
}

/** The stored state of the forecast model: one forecaster per series. */
export interface ForecastModelState {
  version: 1;
  stepMs: number;
  bucketMs: number;
  series: SeriesForecaster[];
}

export interface ForecastTrainingWindow {
  since: number;
  until: number;
  anomaly: AnomalyModel;
}

/**
 * Fits a forecaster per hourly series and saves them as the active forecast model (see
 * {@link fitForecasts}).
 */
export async function trainForecasts(
  db: Db,
  tenantId: string,
  opts: ForecastTrainingWindow & {
    now: number;
    /** Where the model is saved; default the history's database. */
    store?: Db;
  },
): Promise<{ stored: StoredModel; series: TrainedSeries[] }> {
  const rows = await featuresFromHistory(db, tenantId, {
    since: opts.since,
    until: opts.until,
    bucketMs: opts.anomaly.state.bucketMs,
  });
  const { record, series } = fitForecasts(rows, opts);
  return { stored: await saveModel(opts.store ?? db, tenantId, record, opts.now), series };
}

/**
 * Fits a forecaster per hourly series of feature rows of [since, until) (ARIMA by AIC where there
 * are at least 48 hours, else the EWMA baseline), without saving.
 * @returns the record to save and a summary.
 */
export function fitForecasts(
  rows: readonly FeatureRow[],
  opts: ForecastTrainingWindow,
): { record: NewModel; series: TrainedSeries[] } {
  const bucketMs = opts.anomaly.state.bucketMs;
  const series: TrainedSeries[] = [];
  const forecasters: SeriesForecaster[] = [];
  for (const name of FORECAST_SERIES_NAMES) {
    const s = hourlySeries(rows, name, opts.anomaly);
    const { forecaster, summary } = fitForecaster(name, s.values);
    forecasters.push(forecaster);
    series.push({ name, method: forecaster.method, ...summary, points: s.values.length });
  }
  const state: ForecastModelState = {
    version: 1,
    stepMs: 3_600_000,
    bucketMs,
    series: forecasters,
  };
  const record: NewModel = {
    purpose: "forecast",
    algorithm: series.some((s) => s.method === "arima") ? "arima" : "ewma",
    features: [...FORECAST_SERIES_NAMES],
    // The buckets it learnt from, like the anomaly model's window.
    windowStart: rows[0]?.start ?? opts.since,
    windowEnd: rows.at(-1)?.end ?? opts.until,
    metrics: { series },
    state,
  };
  return { record, series };
}
