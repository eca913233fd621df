import { AppError } from "@kamiyo/core";

/** Orders p, d, q of an ARIMA model. */
export interface ArimaOrder {
  readonly p: number;
  readonly d: number;
  readonly q: number;
}

/**
 * Deterministic term, with statsmodels' letters: "n" none; "c" a constant (the mean, only with
 * d = 0); "t" a drift, i.e. a linear time trend in levels that is a constant in the first
 * differences (only with d = 1). In all cases it is the mean of the d-times differenced series.
 */
export type ArimaTrend = "n" | "c" | "t";

/** Largest p or q accepted. */
export const MAX_ARMA_ORDER = 10;

/** Default trend for a differencing order: "c" for d = 0, "t" (drift) for d = 1, else "n". */
export function defaultTrend(d: number): ArimaTrend {
  return d === 0 ? "c" : d === 1 ? "t" : "n";
}

/** A readable model name such as "ARIMA(1,1,1) with drift". */
export function describeModel(order: ArimaOrder, trend: ArimaTrend): string {
  const suffix = trend === "c" ? " with constant" : trend === "t" ? " with drift" : "";
  return `ARIMA(${order.p},${order.d},${order.q})${suffix}`;
}

/** Number of estimated parameters as statsmodels counts them: p + q + trend + σ². */
export function parameterCount(order: ArimaOrder, trend: ArimaTrend): number {
  return order.p + order.q + (trend === "n" ? 0 : 1) + 1;
}

/**
 * Observations needed to fit: d + 2·k + 1 with k = {@link parameterCount}, i.e. after
 * differencing at least two observations per estimated parameter, plus one.
 */
export function minObservations(order: ArimaOrder, trend: ArimaTrend): number {
  return order.d + 2 * parameterCount(order, trend) + 1;
}

/**
 * Checks that `series` is an array of finite numbers; throws AppError("invalid_input") naming
 * the first bad index otherwise.
 */
export function validateSeries(series: unknown, what = "series"): readonly number[] {
  if (!Array.isArray(series)) {
    throw new AppError("invalid_input", `${what} must be an array of numbers`);
  }
  for (let i = 0; i < series.length; i++) {
    const v: unknown = series[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new AppError(
        "invalid_input",
        `${what}[${i}] is ${String(v)}: every value must be a finite number (fill or drop missing values first)`,
        { details: { index: i, value: String(v) } },
      );
    }
  }
  return series as readonly number[];
}

/** Checks p, d, q and the trend; throws AppError("invalid_input") with the offending field. */
export function validateOrder(order: ArimaOrder, trend: ArimaTrend): void {
  for (const key of ["p", "q"] as const) {
    const v = order[key];
    if (!Number.isInteger(v) || v < 0 || v > MAX_ARMA_ORDER) {
      throw new AppError(
        "invalid_input",
        `order.${key} must be an integer from 0 to ${MAX_ARMA_ORDER}, got ${v}`,
        { details: { field: key, value: v } },
      );
    }
  }
  if (!Number.isInteger(order.d) || order.d < 0 || order.d > 2) {
    throw new AppError("invalid_input", `order.d must be 0, 1 or 2, got ${order.d}`, {
      details: { field: "d", value: order.d },
    });
  }
  if (trend !== "n" && trend !== "c" && trend !== "t") {
    throw new AppError("invalid_input", `trend must be "n", "c" or "t", got ${String(trend)}`);
  }
  if (trend === "c" && order.d !== 0) {
    throw new AppError(
      "invalid_input",
      `trend "c" (a constant) needs d = 0; with d = ${order.d} differencing removes it (use "t" for a drift when d = 1)`,
    );
  }
  if (trend === "t" && order.d !== 1) {
    throw new AppError("invalid_input", `trend "t" (a drift) needs d = 1, got d = ${order.d}`);
  }
}

/** Throws AppError("invalid_input") unless `h` is a positive integer. */
export function validateHorizon(h: number): void {
  if (!Number.isInteger(h) || h <= 0) {
    throw new AppError("invalid_input", `forecast horizon must be a positive integer, got ${h}`, {
      details: { horizon: h },
    });
  }
}
