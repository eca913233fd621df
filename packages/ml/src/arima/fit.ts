import { AppError } from "@kamiyo/core";
import { type MinimizeResult, minimizeLbfgs } from "../optimize.ts";
import { ArimaModel } from "./arima.ts";
import { difference, isConstant, lastLevels } from "./differencing.ts";
import { armaKalmanFilter, concentratedLogLikelihood, type MeanHandling } from "./kalman.ts";
import { hannanRissanen } from "./start-params.ts";
import { constrainStationary, unconstrainStationary } from "./transforms.ts";
import {
  type ArimaOrder,
  type ArimaTrend,
  defaultTrend,
  describeModel,
  minObservations,
  parameterCount,
  validateOrder,
  validateSeries,
} from "./validate.ts";

/** Options of {@link fitArima}. */
export interface ArimaFitOptions {
  /** Deterministic term; default "c" for d = 0, "t" (drift) for d = 1, "n" for d = 2. */
  readonly trend?: ArimaTrend;
  /** Optimiser iteration cap per start (default 200). */
  readonly maxIterations?: number;
  /**
   * Extra starting points (stationary ar, invertible ma of lengths p and q), tried besides
   * Hannan–Rissanen and zero; e.g. a nested model's estimate padded with zeros, which makes the
   * fit at least as likely as that model. Unusable ones are ignored.
   */
  readonly starts?: readonly { readonly ar: readonly number[]; readonly ma: readonly number[] }[];
}

/**
 * Fits ARIMA(p, d, q) by exact Gaussian maximum likelihood: the series is differenced d times
 * and the ARMA likelihood of the result is evaluated by the Kalman filter on Harvey's
 * state-space form, started from the stationary state covariance (discrete Lyapunov equation).
 * σ² is concentrated out (σ̂² = Σv²/F / (n − d)) and the trend coefficient profiled out (its GLS
 * estimate given the ARMA coefficients), so L-BFGS searches only the ARMA coefficients, in the
 * Monahan/Jones unconstrained parametrisation that keeps AR stationary and MA invertible (as
 * statsmodels' enforce_stationarity / enforce_invertibility). Starts from Hannan–Rissanen
 * estimates and from zero; keeps the best. Non-convergence is reported in `converged`.
 *
 * Throws AppError("invalid_input") for non-finite values (naming the index), bad orders or trend,
 * too few observations (d + 2k + 1 needed for k parameters), a constant series or one that is
 * constant after differencing.
 */
export function fitArima(
  series: readonly number[],
  order: ArimaOrder,
  opts: ArimaFitOptions = {},
): ArimaModel {
  const y = validateSeries(series);
  const trend = opts.trend ?? defaultTrend(order.d);
  validateOrder(order, trend);
  const { p, d, q } = order;
  const name = describeModel(order, trend);
  const need = minObservations(order, trend);
  if (y.length < need) {
    throw new AppError(
      "invalid_input",
      `${name} needs at least ${need} observations (d + 2 × ${parameterCount(order, trend)} parameters + 1), got ${y.length}`,
      { details: { needed: need, got: y.length } },
    );
  }
  if (isConstant(y)) {
    throw new AppError(
      "invalid_input",
      `series is constant (every value is ${y[0]}): nothing to model`,
    );
  }
  const w = difference(y, d);
  if (isConstant(w)) {
    throw new AppError(
      "invalid_input",
      `series differenced ${d} time(s) is constant (${w[0]}): its innovation variance would be 0`,
    );
  }
  const meanHandling: MeanHandling = trend === "n" ? { kind: "none" } : { kind: "profile" };
  const split = (u: readonly number[]) => ({
    ar: constrainStationary(u.slice(0, p)),
    ma: constrainStationary(u.slice(p)).map((v) => -v),
  });
  const objective = (u: readonly number[]) => {
    const { ar, ma } = split(u);
    const res = armaKalmanFilter(w, ar, ma, meanHandling);
    if (res === undefined || !(res.ssq > 0)) return Number.POSITIVE_INFINITY;
    return -concentratedLogLikelihood(res).logLikelihood / w.length;
  };
  let best: MinimizeResult | undefined;
  const starts = [
    ...startingPoints(w, p, q, trend !== "n"),
    ...extraStarts(opts.starts ?? [], p, q),
  ];
  for (const start of starts) {
    const run = minimizeLbfgs(objective, start, { maxIterations: opts.maxIterations ?? 200 });
    if (
      best === undefined ||
      run.value < best.value ||
      (!best.converged && run.converged && run.value <= best.value + 1e-9)
    ) {
      best = run;
    }
  }
  const u = best?.x ?? new Array<number>(p + q).fill(0);
  const { ar, ma } = split(u);
  const res = armaKalmanFilter(w, ar, ma, meanHandling);
  if (res === undefined || !(res.ssq > 0)) {
    throw new AppError(
      "internal",
      `${name}: the likelihood could not be evaluated at the estimate`,
    );
  }
  const { logLikelihood, sigma2 } = concentratedLogLikelihood(res);
  return new ArimaModel({
    order: { p, d, q },
    trend,
    params: { ar, ma, mean: trend === "n" ? 0 : res.mean, sigma2 },
    state: {
      levels: lastLevels(y, d),
      mean: Array.from(res.final.mean),
      cov: Array.from(res.final.cov),
    },
    n: y.length,
    logLikelihood,
    converged: best?.converged ?? true,
    iterations: best?.iterations ?? 0,
  });
}

function startingPoints(w: readonly number[], p: number, q: number, demean: boolean): number[][] {
  const zeros = new Array<number>(p + q).fill(0);
  if (p + q === 0) return [zeros];
  let centre = 0;
  if (demean) for (const v of w) centre += v / w.length;
  const hr = hannanRissanen(
    w.map((v) => v - centre),
    p,
    q,
  );
  if (hr === undefined) return [zeros];
  const uAr = unconstrainStationary(hr.ar);
  const uMa = unconstrainStationary(hr.ma.map((v) => -v));
  if (uAr === undefined || uMa === undefined) return [zeros];
  const clip = (v: number) => Math.max(-20, Math.min(20, v));
  return [[...uAr, ...uMa].map(clip), zeros];
}

function extraStarts(
  starts: readonly { readonly ar: readonly number[]; readonly ma: readonly number[] }[],
  p: number,
  q: number,
): number[][] {
  const out: number[][] = [];
  for (const s of starts) {
    if (s.ar.length !== p || s.ma.length !== q) continue;
    const uAr = unconstrainStationary(s.ar);
    const uMa = unconstrainStationary(s.ma.map((v) => -v));
    if (uAr !== undefined && uMa !== undefined && [...uAr, ...uMa].every(Number.isFinite)) {
      out.push([...uAr, ...uMa]);
    }
  }
  return out;
}
