import { seededRandom } from "@kamiyo/core";
import type { SeriesPoint } from "../observations.ts";

/** Median size of one HLP PnL move between `portfolio` points (15–40 min apart), USD. */
export const HLP_MEDIAN_MOVE_USD = 800;

/** Options of {@link calmHlpPnl}. */
export interface CalmPnlOptions {
  /** Time of the first point, epoch ms. */
  start: number;
  /** Moves after the first point. */
  intervals: number;
  /** Spacing of the points, ms. Default 15 min. */
  stepMs?: number;
  /** Cumulative PnL at the first point, USD. Default 60M. */
  startPnl?: number;
  /** Steady fee income, USD a day. Default 50k. */
  driftPerDay?: number;
  seed?: number;
}

/**
 * A calm stretch of HLP's cumulative PnL, synthetic but shaped like the recorded series: a fee
 * drift plus Laplace (heavy-tailed) noise whose median size is {@link HLP_MEDIAN_MOVE_USD}, the
 * median of HLP's recorded 15–40 min moves (the largest recorded was $4.4k; README, "Where the
 * thresholds come from").
 */
export function calmHlpPnl(opts: CalmPnlOptions): SeriesPoint[] {
  const rand = seededRandom(opts.seed ?? 1);
  const step = opts.stepMs ?? 15 * 60_000;
  const drift = ((opts.driftPerDay ?? 50_000) * step) / 86_400_000;
  const b = HLP_MEDIAN_MOVE_USD / Math.LN2;
  const pts: SeriesPoint[] = [[opts.start, opts.startPnl ?? 60_000_000]];
  for (let i = 1; i <= opts.intervals; i++) {
    const u = rand() - 0.5;
    const noise = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    pts.push([opts.start + i * step, (pts[i - 1]?.[1] ?? 0) + drift + noise]);
  }
  return pts;
}
