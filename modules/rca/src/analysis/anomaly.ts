import { medianMad, medianOf } from "@kamiyo/core";
import type { MetricSeries, Symptom } from "../model.ts";

/** How a metric's window is compared with what is normal for it. */
export interface AnomalyOptions {
  /**
   * Minutes before the window whose samples are the local reference (BARO's "normal period
   * right before the fault"); 0 compares with the series' learnt baseline only. Default 60.
   */
  readonly referenceMinutes: number;
  /** Fewest reference samples for a local reference; below it the learnt baseline is used. Default 10. */
  readonly minReference: number;
  /**
   * Floor of the scale as a share of the reference median's magnitude, so a metric that barely
   * varied is not maximally surprising for a 1 % move. Default 0.05.
   */
  readonly relativeFloor: number;
  /**
   * Also floor the scale with the learnt baseline's scale (the normal period's spread), so a
   * calm hour before the window does not make ordinary noise look like a fault. Default true.
   */
  readonly baselineFloor: boolean;
  /**
   * Also floor the scale with the σ the normal period's 1–99 % range implies ((p99 − p01) / 4.65):
   * a metric that spikes now and then in normal times is not surprising when it spikes again.
   * Default false.
   */
  readonly tailFloor: boolean;
}

export const DEFAULT_ANOMALY: AnomalyOptions = {
  referenceMinutes: 60,
  minReference: 10,
  relativeFloor: 0.05,
  baselineFloor: true,
  tailFloor: true,
};

/** One metric's deviation in the symptom window. */
export interface MetricAnomaly {
  readonly series: MetricSeries;
  /** Median of the window's samples. */
  readonly value: number;
  /** Reference median. */
  readonly reference: number;
  /** Robust σ used (after the floors). */
  readonly scale: number;
  /** (window median − reference) / scale: a sustained shift, not one spike. */
  readonly z: number;
  /** (most deviant window sample − reference) / scale. */
  readonly peakZ: number;
  /** Epoch ms of the most deviant window sample. */
  readonly at: number;
}

/**
 * Robust z-scores of one series' window `[symptom.from, symptom.to)` against its reference: the
 * median/MAD of the `referenceMinutes` before the window (BARO-style), or the learnt baseline
 * when that period has too few samples, with the scale floored as {@link AnomalyOptions} says.
 * Undefined when the window or every reference is empty.
 */
export function scoreMetric(
  series: MetricSeries,
  symptom: Symptom,
  options: AnomalyOptions = DEFAULT_ANOMALY,
): MetricAnomaly | undefined {
  const window = series.samples.filter((s) => s.at >= symptom.from && s.at < symptom.to);
  if (window.length === 0) return undefined;
  const start = symptom.from - options.referenceMinutes * 60_000;
  const local = series.samples
    .filter((s) => s.at >= start && s.at < symptom.from)
    .map((s) => s.value);
  const baseline = series.baseline;
  let reference: number;
  let scale: number;
  if (options.referenceMinutes > 0 && local.length >= options.minReference) {
    const m = medianMad(local);
    reference = m.median;
    scale = options.baselineFloor && baseline ? Math.max(m.scale, baseline.scale) : m.scale;
  } else if (baseline) {
    reference = baseline.median;
    scale = baseline.scale;
  } else return undefined;
  if (options.tailFloor && baseline) scale = Math.max(scale, (baseline.p99 - baseline.p01) / 4.65);
  scale = Math.max(scale, options.relativeFloor * Math.abs(reference), Number.EPSILON);
  const value = medianOf(window.map((s) => s.value));
  let peak = window[0] ?? { at: symptom.from, value };
  for (const s of window)
    if (Math.abs(s.value - reference) > Math.abs(peak.value - reference)) peak = s;
  return {
    series,
    value,
    reference,
    scale,
    z: (value - reference) / scale,
    peakZ: (peak.value - reference) / scale,
    at: peak.at,
  };
}
