import { medianMad } from "@kamiyo/core";
import type { Baseline } from "../model.ts";

/**
 * The baseline of one metric from its values over a normal period: median, robust σ (1.4826·MAD,
 * or the mean-absolute-deviation fallback of `@kamiyo/core`'s `medianMad` when more than half the
 * values are equal) and the 1st/99th percentiles. Non-finite values are skipped; undefined when
 * none is left.
 */
export function learnBaseline(values: readonly number[]): Baseline | undefined {
  const x = values.filter(Number.isFinite);
  if (x.length === 0) return undefined;
  const m = medianMad(x);
  const sorted = [...x].sort((a, b) => a - b);
  return {
    n: m.n,
    median: m.median,
    scale: m.scale,
    p01: quantileSorted(sorted, 0.01),
    p99: quantileSorted(sorted, 0.99),
  };
}

/** Linear-interpolated quantile (numpy's default) of sorted, non-empty values; q in [0, 1]. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}
