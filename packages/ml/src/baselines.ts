import { AppError, type MedianMad, standardise } from "@kamiyo/core";
import { z } from "zod";
import type { Forecast } from "./arima/forecast.ts";
import { normalCriticalValue } from "./arima/normal.ts";
import { validateHorizon, validateSeries } from "./arima/validate.ts";

/**
 * Constant forecast at the median with the robust scale as the standard error of every step
 * (the history is treated as i.i.d. around the median; no trend). `level` defaults to 0.95.
 */
export function medianMadForecast(
  baseline: MedianMad,
  h: number,
  opts: { level?: number } = {},
): Forecast {
  return constantForecast(baseline.median, () => baseline.scale, h, opts.level ?? 0.95);
}

/**
 * Exactly one of `alpha` (weight of the newest point, 0 < α ≤ 1) or `halfLife` (in
 * observations, > 0).
 */
export interface EwmaOptions {
  readonly alpha?: number;
  /** α = 1 − 2^(−1/halfLife): a point's weight halves after this many newer points. */
  readonly halfLife?: number;
}

const ewmaJson = z.object({
  kind: z.literal("ewma"),
  version: z.literal(1),
  alpha: z.number().gt(0).lte(1),
  count: z.number().int().nonnegative(),
  level: z.number(),
  sumSquares: z.number().nonnegative(),
  weight: z.number().nonnegative().lte(1),
});

/** Stored form of an {@link Ewma}. */
export type EwmaJson = z.infer<typeof ewmaJson>;

/**
 * Exponentially weighted level and one-step error variance of a stream (simple exponential
 * smoothing). On each value x: e = x − level, level += α·e, and the variance is the EWMA of e²
 * divided by the total weight seen so far (1 − (1 − α)^(count − 1)), which removes the bias of
 * starting from 0. The first value sets the level.
 */
export class Ewma {
  readonly alpha: number;
  #count = 0;
  #level = 0;
  #sumSquares = 0;
  #weight = 0;

  /** Throws AppError("invalid_input") unless exactly one valid `alpha` or `halfLife` is given. */
  constructor(opts: EwmaOptions) {
    if ((opts.alpha === undefined) === (opts.halfLife === undefined)) {
      throw new AppError("invalid_input", "give exactly one of alpha or halfLife for an EWMA");
    }
    if (opts.halfLife !== undefined && !(opts.halfLife > 0 && Number.isFinite(opts.halfLife))) {
      throw new AppError(
        "invalid_input",
        `halfLife must be a positive number of observations, got ${opts.halfLife}`,
      );
    }
    const alpha = opts.alpha ?? 1 - 2 ** (-1 / (opts.halfLife ?? 1));
    if (!(alpha > 0 && alpha <= 1))
      throw new AppError("invalid_input", `alpha must be in (0, 1], got ${alpha}`);
    this.alpha = alpha;
  }

  /** Builds an EWMA and feeds it `series` in order. */
  static of(series: readonly number[], opts: EwmaOptions): Ewma {
    const e = new Ewma(opts);
    for (const v of validateSeries(series)) e.update(v);
    return e;
  }

  /** Values seen. */
  get count(): number {
    return this.#count;
  }

  /** Current level (the forecast); NaN before the first value. */
  get level(): number {
    return this.#count === 0 ? Number.NaN : this.#level;
  }

  /** Estimated variance of a one-step error; NaN before the second value. */
  get variance(): number {
    return this.#count < 2 ? Number.NaN : this.#sumSquares / this.#weight;
  }

  /**
   * z-score of `x` against the current state, (x − level)/√variance: NaN with fewer than 2
   * values seen; with zero variance 0 when x equals the level and ±Infinity otherwise.
   */
  zScore(x: number): number {
    if (this.#count < 2) return Number.NaN;
    return standardise(x - this.#level, Math.sqrt(this.variance));
  }

  /** Adds a value; returns its z-score against the state before it. Throws for a non-finite x. */
  update(x: number): number {
    if (!Number.isFinite(x))
      throw new AppError("invalid_input", `EWMA value must be a finite number, got ${x}`);
    const z = this.zScore(x);
    if (this.#count === 0) {
      this.#level = x;
    } else {
      const e = x - this.#level;
      this.#level += this.alpha * e;
      this.#sumSquares = (1 - this.alpha) * this.#sumSquares + this.alpha * e * e;
      this.#weight = (1 - this.alpha) * this.#weight + this.alpha;
    }
    this.#count++;
    return z;
  }

  /**
   * Flat forecast at the level; the h-step standard error is √(variance·(1 + (h − 1)α²)), the
   * forecast-error variance of simple exponential smoothing (ARIMA(0,1,1) with θ = α − 1).
   * Throws AppError("invalid_input") before 2 values, or for a bad horizon or level.
   */
  forecast(h: number, opts: { level?: number } = {}): Forecast {
    if (this.#count < 2) {
      throw new AppError(
        "invalid_input",
        `EWMA needs at least 2 values to forecast, has ${this.#count}`,
      );
    }
    const v = this.variance;
    const a2 = this.alpha * this.alpha;
    return constantForecast(
      this.#level,
      (step) => Math.sqrt(v * (1 + (step - 1) * a2)),
      h,
      opts.level ?? 0.95,
    );
  }

  /** Plain-data state for storage. */
  toJSON(): EwmaJson {
    return {
      kind: "ewma",
      version: 1,
      alpha: this.alpha,
      count: this.#count,
      level: this.#level,
      sumSquares: this.#sumSquares,
      weight: this.#weight,
    };
  }

  /** Restores {@link Ewma.toJSON} output; throws AppError("invalid_input") when malformed. */
  static fromJSON(value: unknown): Ewma {
    const parsed = ewmaJson.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(root)"}: ${i.message}`,
      );
      throw new AppError("invalid_input", `not a stored EWMA: ${issues.join("; ")}`, {
        details: { issues },
      });
    }
    const e = new Ewma({ alpha: parsed.data.alpha });
    e.#count = parsed.data.count;
    e.#level = parsed.data.level;
    e.#sumSquares = parsed.data.sumSquares;
    e.#weight = parsed.data.weight;
    return e;
  }
}

/**
 * Flat EWMA forecast of the `horizon` values after `series` (see {@link Ewma}): the level, with
 * intervals at `level` (default 0.95). Throws AppError("invalid_input") for fewer than 2 values, a
 * non-finite value (naming its index), a bad alpha/halfLife, horizon or level.
 */
export function ewmaForecast(
  series: readonly number[],
  opts: EwmaOptions & { readonly horizon: number; readonly level?: number },
): Forecast {
  const { horizon, level, ...smoothing } = opts;
  return Ewma.of(series, smoothing).forecast(horizon, { level });
}

function constantForecast(
  mean: number,
  se: (step: number) => number,
  h: number,
  level: number,
): Forecast {
  validateHorizon(h);
  const zc = normalCriticalValue(level);
  const out: Forecast = { mean: [], se: [], lower: [], upper: [], level };
  for (let step = 1; step <= h; step++) {
    const s = se(step);
    out.mean.push(mean);
    out.se.push(s);
    out.lower.push(mean - zc * s);
    out.upper.push(mean + zc * s);
  }
  return out;
}
