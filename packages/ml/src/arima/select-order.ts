import { AppError } from "@kamiyo/core";
import type { ArimaModel } from "./arima.ts";
import { chooseDifferencing, type DifferencingChoice } from "./differencing.ts";
import { fitArima } from "./fit.ts";
import {
  type ArimaOrder,
  type ArimaTrend,
  defaultTrend,
  MAX_ARMA_ORDER,
  minObservations,
  validateOrder,
  validateSeries,
} from "./validate.ts";

/** Options of {@link autoArima}. */
export interface AutoArimaOptions {
  /** Differencing order; chosen by repeated KPSS tests when omitted. */
  readonly d?: number;
  /** Largest d the KPSS search may pick (default 2). */
  readonly maxD?: number;
  /** Level of the KPSS tests (default 0.05). */
  readonly alpha?: number;
  /** Largest AR order tried (default 3). */
  readonly maxP?: number;
  /** Largest MA order tried (default 3). */
  readonly maxQ?: number;
  /** Trend of every candidate; default by d as in fitArima ("c", "t" drift, "n"). */
  readonly trend?: ArimaTrend;
  /** Criterion minimised (default "aic"). */
  readonly criterion?: "aic" | "aicc" | "bic";
  /** Optimiser iteration cap per start (default 200). */
  readonly maxIterations?: number;
}

/** One model of the grid, fitted or skipped. */
export interface ArimaCandidate {
  readonly order: ArimaOrder;
  readonly trend: ArimaTrend;
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly iterations: number;
}

/** Result of {@link autoArima}. */
export interface AutoArimaResult {
  /** The candidate with the smallest criterion, fitted. */
  readonly model: ArimaModel;
  readonly d: number;
  /** The KPSS tests behind d (absent when d was given). */
  readonly differencing: DifferencingChoice | undefined;
  /** Every fitted candidate, in grid order (p, then q). */
  readonly candidates: readonly ArimaCandidate[];
  /** Orders skipped because the series is too short for them. */
  readonly skipped: readonly ArimaOrder[];
  /** Orders whose fit failed numerically (reported, not fatal while another order fits). */
  readonly failed: readonly { readonly order: ArimaOrder; readonly message: string }[];
}

/**
 * Picks d by KPSS tests (as forecast::ndiffs in Hyndman–Khandakar's auto.arima) unless given,
 * then fits every ARIMA(p, d, q) with p ≤ maxP, q ≤ maxQ by maximum likelihood and keeps the one
 * with the smallest AIC (or AICc / BIC). An exhaustive grid, not the stepwise search: 16 fits
 * at the defaults. Each fit also starts from the (p − 1, q) and (p, q − 1) estimates padded with a
 * zero, so a larger model is never less likely than a nested one. Orders the series is too short
 * for are skipped and orders whose fit fails numerically are listed in `failed`. Throws
 * AppError("invalid_input") for bad input (see fitArima: also a series that is constant after
 * d differences, e.g. an exact straight line) or when the series is too short for every order,
 * and AppError("internal") when every fit failed numerically.
 */
export function autoArima(series: readonly number[], opts: AutoArimaOptions = {}): AutoArimaResult {
  const y = validateSeries(series);
  const maxP = checkMax(opts.maxP ?? 3, "maxP");
  const maxQ = checkMax(opts.maxQ ?? 3, "maxQ");
  const maxD = opts.maxD ?? 2;
  const alpha = opts.alpha ?? 0.05;
  if (!(alpha >= 0.01 && alpha <= 0.1)) {
    throw new AppError(
      "invalid_input",
      `alpha must be between 0.01 and 0.1 (the KPSS table), got ${alpha}`,
    );
  }
  if (![0, 1, 2].includes(maxD)) {
    throw new AppError("invalid_input", `maxD must be 0, 1 or 2, got ${maxD}`);
  }
  const differencing = opts.d === undefined ? chooseDifferencing(y, { alpha, maxD }) : undefined;
  const d = opts.d ?? differencing?.d ?? 0;
  const trend = opts.trend ?? defaultTrend(d);
  validateOrder({ p: 0, d, q: 0 }, trend);
  const criterion = opts.criterion ?? "aic";
  const candidates: ArimaCandidate[] = [];
  const skipped: ArimaOrder[] = [];
  const failed: { order: ArimaOrder; message: string }[] = [];
  const fitted = new Map<string, ArimaModel>();
  let best: ArimaModel | undefined;
  for (let p = 0; p <= maxP; p++) {
    for (let q = 0; q <= maxQ; q++) {
      const order = { p, d, q };
      if (y.length < minObservations(order, trend)) {
        skipped.push(order);
        continue;
      }
      const starts = [];
      const fewerAr = fitted.get(`${p - 1},${q}`);
      if (fewerAr) starts.push({ ar: [...fewerAr.params.ar, 0], ma: fewerAr.params.ma });
      const fewerMa = fitted.get(`${p},${q - 1}`);
      if (fewerMa) starts.push({ ar: fewerMa.params.ar, ma: [...fewerMa.params.ma, 0] });
      let model: ArimaModel;
      try {
        model = fitArima(y, order, { trend, maxIterations: opts.maxIterations, starts });
      } catch (err) {
        // bad input fails every order alike; anything else is this order's own problem
        if (err instanceof AppError && err.code === "invalid_input") throw err;
        failed.push({ order, message: err instanceof Error ? err.message : String(err) });
        continue;
      }
      fitted.set(`${p},${q}`, model);
      candidates.push({
        order,
        trend,
        aic: model.aic,
        aicc: model.aicc,
        bic: model.bic,
        logLikelihood: model.logLikelihood,
        converged: model.converged,
        iterations: model.iterations,
      });
      if (best === undefined || model[criterion] < best[criterion]) best = model;
    }
  }
  if (best === undefined && failed.length > 0) {
    throw new AppError("internal", `no ARIMA(p,${d},q) could be fitted: ${failed[0]?.message}`, {
      details: { failed },
    });
  }
  if (best === undefined) {
    throw new AppError(
      "invalid_input",
      `series of ${y.length} values is too short for any ARIMA(p,${d},q): ARIMA(0,${d},0) needs ${minObservations({ p: 0, d, q: 0 }, trend)}`,
    );
  }
  return { model: best, d, differencing, candidates, skipped, failed };
}

function checkMax(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > MAX_ARMA_ORDER) {
    throw new AppError(
      "invalid_input",
      `${name} must be an integer from 0 to ${MAX_ARMA_ORDER}, got ${v}`,
    );
  }
  return v;
}
