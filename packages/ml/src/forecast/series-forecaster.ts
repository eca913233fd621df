import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { ArimaModel } from "../arima/arima.ts";
import { autoArima } from "../arima/select-order.ts";
import { ewmaForecast } from "../baselines.ts";

/** Fewest hourly points for ARIMA; shorter series get the EWMA baseline. */
export const MIN_ARIMA_POINTS = 48;
/** EWMA smoothing of short series (half-life of about 2 hours). */
const EWMA_ALPHA = 0.3;

const forecasterSchema = z.discriminatedUnion("method", [
  z.object({ name: z.string(), method: z.literal("arima"), model: z.unknown() }),
  z.object({ name: z.string(), method: z.literal("ewma"), alpha: z.number().gt(0).max(1) }),
]);

/** How one series is forecast: a fitted ARIMA, or the EWMA baseline for short histories. */
export type SeriesForecaster = z.infer<typeof forecasterSchema>;

export interface SeriesForecast {
  method: "arima" | "ewma";
  /** e.g. "ARIMA(1,1,1) with drift" or "EWMA(α = 0.3)". */
  model: string;
  mean: number[];
  lower: number[];
  upper: number[];
}

/** Fits the forecaster of one hourly series (ARIMA with AIC order selection when long enough). */
export function fitForecaster(
  name: string,
  values: readonly number[],
): {
  forecaster: SeriesForecaster;
  summary: { order: { p: number; d: number; q: number } | null; aic: number | null };
} {
  if (values.length >= MIN_ARIMA_POINTS && new Set(values).size > 1) {
    const { model } = autoArima(values, { maxP: 2, maxQ: 2 });
    return {
      forecaster: { name, method: "arima", model: model.toJSON() },
      summary: { order: model.order, aic: model.aic },
    };
  }
  return {
    forecaster: { name, method: "ewma", alpha: EWMA_ALPHA },
    summary: { order: null, aic: null },
  };
}

export function parseForecaster(input: unknown): SeriesForecaster {
  const parsed = forecasterSchema.safeParse(input);
  if (!parsed.success)
    throw new AppError(
      "invalid_input",
      `stored forecaster is unreadable: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
}

/**
 * Forecasts `hours` steps after the end of `recent` with a stored forecaster: ARIMA applies its
 * fitted parameters to the recent series (so the forecast starts from the latest data), EWMA
 * smooths it. Intervals at `level` (default 0.95).
 * @throws AppError invalid_input when `recent` is too short or not finite.
 */
export function forecastSeries(
  f: SeriesForecaster,
  recent: readonly number[],
  hours: number,
  level = 0.95,
): SeriesForecast {
  if (f.method === "arima") {
    const model = ArimaModel.fromJSON(f.model).apply(recent);
    const fc = model.forecast(hours, { level });
    return {
      method: "arima",
      model: model.name,
      mean: [...fc.mean],
      lower: [...fc.lower],
      upper: [...fc.upper],
    };
  }
  const fc = ewmaForecast(recent, { alpha: f.alpha, horizon: hours, level });
  return {
    method: "ewma",
    model: `EWMA(α = ${f.alpha})`,
    mean: fc.mean,
    lower: fc.lower,
    upper: fc.upper,
  };
}
