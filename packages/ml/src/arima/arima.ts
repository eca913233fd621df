import { AppError } from "@kamiyo/core";
import { difference, lastLevels } from "./differencing.ts";
import { type Forecast, integratedForecast } from "./forecast.ts";
import { armaKalmanFilter, logLikelihoodAt, type MeanHandling } from "./kalman.ts";
import { ARIMA_JSON_VERSION, type ArimaModelJson, parseArimaJson } from "./persistence.ts";
import { isInvertible, isStationary } from "./transforms.ts";
import {
  type ArimaOrder,
  type ArimaTrend,
  describeModel,
  parameterCount,
  validateHorizon,
  validateOrder,
  validateSeries,
} from "./validate.ts";

/** Estimated parameters: φ (ar), θ (ma, with the polynomial 1 + θ₁B + …), trend, σ². */
export interface ArimaParams {
  readonly ar: readonly number[];
  readonly ma: readonly number[];
  /** Mean of the d-times differenced series: the constant ("c"), the drift per step ("t"), or 0. */
  readonly mean: number;
  /** Innovation variance. */
  readonly sigma2: number;
}

/** The filtered state at the end of the data: what forecasting needs besides the parameters. */
export interface ArimaState {
  /** `[y_n, Δy_n, …, Δ^{d−1}y_n]`. */
  readonly levels: readonly number[];
  /** Predicted ARMA state a_{n+1|n} of the de-meaned differenced series. */
  readonly mean: readonly number[];
  /** Its covariance in units of σ², row-major r×r with r = max(p, q + 1). */
  readonly cov: readonly number[];
}

/** Everything an {@link ArimaModel} is made of; what `fitArima` and `fromJSON` build. */
export interface ArimaModelFields {
  readonly order: ArimaOrder;
  readonly trend: ArimaTrend;
  readonly params: ArimaParams;
  readonly state: ArimaState;
  /** Observations (before differencing). */
  readonly n: number;
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly iterations: number;
}

/**
 * A fitted (or restored) ARIMA(p, d, q) model with its end-of-data state. Information criteria
 * follow statsmodels: k = p + q + (trend ? 1 : 0) + 1 (σ²) parameters and n − d effective
 * observations (the first d are spent on differencing): AIC = −2ℓ + 2k,
 * AICc = −2ℓ + 2k·m/(m − k − 1) with m = n − d (NaN when m − k − 1 ≤ 0), BIC = −2ℓ + k·ln m.
 */
export class ArimaModel {
  readonly order: ArimaOrder;
  readonly trend: ArimaTrend;
  readonly params: ArimaParams;
  /** Filtered state at the end of the data the model last saw (fit, apply or extend). */
  readonly state: ArimaState;
  /** Observations seen, before differencing. */
  readonly n: number;
  /** n − d: the observations the likelihood and the criteria count. */
  readonly nobsEffective: number;
  /** Exact Gaussian log-likelihood of the d-times differenced series. */
  readonly logLikelihood: number;
  readonly aic: number;
  /** NaN when n − d − k − 1 ≤ 0. */
  readonly aicc: number;
  readonly bic: number;
  /** False when the optimiser stopped on its iteration cap or a failed line search. */
  readonly converged: boolean;
  /** Optimiser iterations of the run that gave these parameters. */
  readonly iterations: number;

  constructor(fields: ArimaModelFields) {
    this.order = { ...fields.order };
    this.trend = fields.trend;
    this.params = { ...fields.params, ar: [...fields.params.ar], ma: [...fields.params.ma] };
    this.state = {
      levels: [...fields.state.levels],
      mean: [...fields.state.mean],
      cov: [...fields.state.cov],
    };
    this.n = fields.n;
    this.nobsEffective = fields.n - fields.order.d;
    this.logLikelihood = fields.logLikelihood;
    this.converged = fields.converged;
    this.iterations = fields.iterations;
    const k = parameterCount(this.order, this.trend);
    const m = this.nobsEffective;
    this.aic = -2 * this.logLikelihood + 2 * k;
    this.aicc = m - k - 1 > 0 ? -2 * this.logLikelihood + (2 * k * m) / (m - k - 1) : Number.NaN;
    this.bic = -2 * this.logLikelihood + k * Math.log(m);
  }

  /** Number of estimated parameters, σ² included. */
  get parameterCount(): number {
    return parameterCount(this.order, this.trend);
  }

  /** e.g. "ARIMA(2,1,1) with drift". */
  get name(): string {
    return describeModel(this.order, this.trend);
  }

  /**
   * Forecasts `h` steps after the end of the data: mean, standard error and a central interval
   * at `level` (default 0.95). Throws AppError("invalid_input") for a non-positive or
   * non-integer `h` or a level outside (0, 1).
   */
  forecast(h: number, opts: { level?: number } = {}): Forecast {
    validateHorizon(h);
    return integratedForecast(
      {
        ...this.params,
        levels: this.state.levels,
        stateMean: this.state.mean,
        stateCov: this.state.cov,
      },
      h,
      opts.level ?? 0.95,
    );
  }

  /**
   * The same parameters on a new series (e.g. the latest hours of data): filters `series` from
   * the stationary state with the parameters fixed, so the result forecasts from its end.
   * `logLikelihood` is that of `series` at the fixed σ². Needs at least d + 1 finite values.
   */
  apply(series: readonly number[]): ArimaModel {
    const y = validateSeries(series);
    const { d } = this.order;
    if (y.length < d + 1) {
      throw new AppError(
        "invalid_input",
        `${this.name} needs at least ${d + 1} observations to filter, got ${y.length}`,
      );
    }
    const res = this.#filter(difference(y, d));
    return this.#withFilter(
      res,
      lastLevels(y, d),
      y.length,
      logLikelihoodAt(res, this.params.sigma2),
    );
  }

  /**
   * Continues the filter with observations that follow the end of the data (no refit): the
   * returned model forecasts from the last of `values`; its log-likelihood and n include them.
   */
  extend(values: readonly number[]): ArimaModel {
    const y = validateSeries(values, "values");
    if (y.length === 0) return this;
    const { d } = this.order;
    let levels = [...this.state.levels];
    const w: number[] = [];
    for (const v of y) {
      const next = [v];
      for (let j = 1; j <= d; j++) next.push((next[j - 1] ?? 0) - (levels[j - 1] ?? 0));
      w.push(next[d] ?? 0);
      levels = next.slice(0, d);
    }
    const res = this.#filter(w, {
      mean: Float64Array.from(this.state.mean),
      cov: Float64Array.from(this.state.cov),
    });
    const ll = this.logLikelihood + logLikelihoodAt(res, this.params.sigma2);
    return this.#withFilter(res, levels, this.n + y.length, ll);
  }

  /** Plain-data form for storage; {@link ArimaModel.fromJSON} restores it. */
  toJSON(): ArimaModelJson {
    return {
      kind: "arima",
      version: ARIMA_JSON_VERSION,
      order: { ...this.order },
      trend: this.trend,
      params: {
        ar: [...this.params.ar],
        ma: [...this.params.ma],
        mean: this.params.mean,
        sigma2: this.params.sigma2,
      },
      state: {
        levels: [...this.state.levels],
        mean: [...this.state.mean],
        cov: [...this.state.cov],
      },
      n: this.n,
      nobsEffective: this.nobsEffective,
      logLikelihood: this.logLikelihood,
      aic: this.aic,
      aicc: Number.isNaN(this.aicc) ? null : this.aicc,
      bic: this.bic,
      converged: this.converged,
      iterations: this.iterations,
    };
  }

  /**
   * Restores a model from {@link ArimaModel.toJSON} output (validated with zod). Throws
   * AppError("invalid_input") for a malformed value, inconsistent orders or lengths, a
   * non-stationary AR or non-invertible MA part, or stored statistics that disagree with the
   * log-likelihood.
   */
  static fromJSON(value: unknown): ArimaModel {
    const json = parseArimaJson(value);
    const fail = (message: string) => {
      throw new AppError("invalid_input", `not a stored ARIMA model: ${message}`);
    };
    try {
      validateOrder(json.order, json.trend);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
    if (json.trend === "n" && json.params.mean !== 0) fail('params.mean must be 0 with trend "n"');
    if (!isStationary(json.params.ar)) fail("params.ar is not stationary");
    if (!isInvertible(json.params.ma)) fail("params.ma is not invertible");
    if (json.nobsEffective !== json.n - json.order.d) fail("nobsEffective must be n − d");
    const model = new ArimaModel(json);
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
    if (!close(model.aic, json.aic) || !close(model.bic, json.bic)) {
      fail("aic/bic do not match logLikelihood, n and the orders");
    }
    return model;
  }

  #filter(w: readonly number[], init?: { mean: Float64Array; cov: Float64Array }) {
    const meanHandling: MeanHandling =
      this.trend === "n" ? { kind: "none" } : { kind: "fixed", value: this.params.mean };
    const res = armaKalmanFilter(w, this.params.ar, this.params.ma, meanHandling, init);
    if (res === undefined) {
      throw new AppError(
        "internal",
        `${this.name}: the stored parameters do not give a valid filter`,
      );
    }
    return res;
  }

  #withFilter(
    res: NonNullable<ReturnType<typeof armaKalmanFilter>>,
    levels: readonly number[],
    n: number,
    logLikelihood: number,
  ): ArimaModel {
    return new ArimaModel({
      order: this.order,
      trend: this.trend,
      params: this.params,
      state: { levels, mean: Array.from(res.final.mean), cov: Array.from(res.final.cov) },
      n,
      logLikelihood,
      converged: this.converged,
      iterations: this.iterations,
    });
  }
}
