import { AppError } from "./errors.ts";

/** 1/Φ⁻¹(3/4): makes the MAD a consistent estimate of σ for normal data. */
export const MAD_SCALE = 1.4826;
/** √(π/2): makes the mean absolute deviation a consistent estimate of σ for normal data. */
export const MEAN_AD_SCALE = 1.2533;

/** Median and robust spread of a history, from {@link medianMad}. */
export interface MedianMad {
  readonly n: number;
  readonly median: number;
  /** Median absolute deviation from the median (unscaled). */
  readonly mad: number;
  /** The σ estimate z-scores divide by (0 when the history is constant). */
  readonly scale: number;
  /**
   * "mad": 1.4826·MAD; "meanad": MAD was 0, so 1.2533·mean |x − median|; "none": constant
   * history (scale 0).
   */
  readonly scaleMethod: "mad" | "meanad" | "none";
}

/**
 * Median/MAD baseline for short or heavy-tailed histories. The scale is 1.4826·MAD; when more
 * than half the values are equal MAD is 0 and the scale falls back to 1.2533·(mean absolute
 * deviation from the median); when every value is equal it is 0 (see {@link medianMadZScore}).
 * Throws AppError("invalid_input") for an empty history or a non-finite value (naming its index).
 */
export function medianMad(history: readonly number[]): MedianMad {
  const x = finiteValues(history, "history");
  if (x.length === 0)
    throw new AppError("invalid_input", "history is empty: a baseline needs values");
  const median = medianOf(x);
  const deviations = x.map((v) => Math.abs(v - median));
  const mad = medianOf(deviations);
  if (mad > 0) return { n: x.length, median, mad, scale: MAD_SCALE * mad, scaleMethod: "mad" };
  const meanAd = deviations.reduce((s, v) => s + v, 0) / x.length;
  if (meanAd > 0)
    return { n: x.length, median, mad, scale: MEAN_AD_SCALE * meanAd, scaleMethod: "meanad" };
  return { n: x.length, median, mad, scale: 0, scaleMethod: "none" };
}

/**
 * (x − median) / scale. With a zero scale (constant history) the score is 0 when x equals the
 * median and ±Infinity otherwise: any change from a constant series is maximally surprising.
 */
export function medianMadZScore(x: number, baseline: MedianMad): number {
  return standardise(x - baseline.median, baseline.scale);
}

/** Median of a non-empty array (mean of the two middle values for an even length). */
export function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * deviation / scale, with the convention for a zero scale (a constant history): 0 when the
 * deviation is 0, ±Infinity otherwise (any change from a constant series is maximally surprising).
 */
export function standardise(deviation: number, scale: number): number {
  if (scale > 0) return deviation / scale;
  return deviation === 0 ? 0 : deviation > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** The values when every one is a finite number; throws AppError("invalid_input") naming the first that is not. */
function finiteValues(values: readonly number[], what: string): readonly number[] {
  values.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new AppError(
        "invalid_input",
        `${what}[${i}] is ${String(v)}: every value must be a finite number (fill or drop missing values first)`,
        { details: { index: i, value: String(v) } },
      );
  });
  return values;
}
