import type { SeriesPoint } from "../../observations.ts";

/**
 * Value of a time series at time `t`, linearly interpolated between the points around it.
 * @returns null when `t` is before the first point (or the series is empty).
 */
export function valueAt(series: readonly SeriesPoint[], t: number): number | null {
  const first = series[0];
  if (!first || t < first[0]) return null;
  for (let i = series.length - 1; i >= 0; i--) {
    const p = series[i] as SeriesPoint;
    if (p[0] <= t) {
      const next = series[i + 1];
      if (!next || next[0] === p[0]) return p[1];
      return p[1] + ((next[1] - p[1]) * (t - p[0])) / (next[0] - p[0]);
    }
  }
  return null;
}

/** Change of a cumulative series over the `windowMs` ending at its last point. */
export interface WindowChange {
  change: number;
  /** How much of the window the series covers, ms (less than the window when history is short). */
  coveredMs: number;
}

/**
 * PnL made over the window ending at the last point: last minus the (interpolated) value at
 * the window's start, or minus the first point when the series is shorter than the window.
 * @returns null for a series of fewer than two points.
 */
export function changeOver(series: readonly SeriesPoint[], windowMs: number): WindowChange | null {
  const last = series.at(-1);
  const first = series[0];
  if (!last || !first || series.length < 2) return null;
  const start = last[0] - windowMs;
  const base = valueAt(series, start);
  if (base === null) return { change: last[1] - first[1], coveredMs: last[0] - first[0] };
  return { change: last[1] - base, coveredMs: windowMs };
}

/** Drawdown of an account from its cumulative PnL, so deposits and withdrawals are not losses. */
export interface Drawdown {
  /** Current drawdown from the PnL peak, as a percent of the account value at the peak. */
  currentPct: number;
  /** Largest drawdown over the series, percent. */
  maxPct: number;
  peakAt: number | null;
}

/**
 * Drawdown measured on cumulative PnL: (peak PnL − PnL) / account value at the peak.
 * `accountValue` is matched to PnL points by time (interpolated).
 */
export function drawdown(
  pnl: readonly SeriesPoint[],
  accountValue: readonly SeriesPoint[],
): Drawdown {
  let peak = Number.NEGATIVE_INFINITY;
  let peakAt: number | null = null;
  let peakAv = 0;
  let maxPct = 0;
  let currentPct = 0;
  for (const [t, v] of pnl) {
    if (v >= peak) {
      peak = v;
      peakAt = t;
      peakAv = valueAt(accountValue, t) ?? accountValue[0]?.[1] ?? 0;
    }
    currentPct = peakAv > 0 ? ((peak - v) / peakAv) * 100 : 0;
    maxPct = Math.max(maxPct, currentPct);
  }
  return { currentPct, maxPct, peakAt };
}

/** Mean and sample standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (const x of xs) sum += x;
  const mean = sum / n;
  if (n < 2) return { mean, std: 0 };
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/**
 * Annualised Sharpe ratio of daily returns: daily PnL increments over the account value at the
 * start of each day, from a cumulative PnL series sampled at any spacing.
 * @returns null with fewer than 7 days or no variance.
 */
export function sharpe(
  pnl: readonly SeriesPoint[],
  accountValue: readonly SeriesPoint[],
): number | null {
  const first = pnl[0];
  const last = pnl.at(-1);
  if (!first || !last) return null;
  const day = 86_400_000;
  const returns: number[] = [];
  for (let t = first[0]; t + day <= last[0]; t += day) {
    const a = valueAt(pnl, t);
    const b = valueAt(pnl, t + day);
    const av = valueAt(accountValue, t);
    if (a === null || b === null || !av || av <= 0) continue;
    returns.push((b - a) / av);
  }
  if (returns.length < 7) return null;
  const { mean, std } = meanStd(returns);
  return std > 0 ? (mean / std) * Math.sqrt(365) : null;
}
