import type { MetricSignal } from "../model.ts";
import type { MetricAnomaly } from "./anomaly.ts";

/**
 * Which way a signal moves in a fault: +1 up (latency, CPU, memory, error counts), −1 down
 * (success rates), 0 either way (network bytes, syscalls, traffic).
 */
export function faultDirection(signal: MetricSignal, metric: string): -1 | 0 | 1 {
  if (signal === "errors") return /success/.test(metric) ? -1 : 1;
  if (signal === "latency" || signal === "cpu" || signal === "memory") return 1;
  return 0;
}

/** How much each signal counts towards a service's score; node metrics are shared by every pod on the node. */
export const SIGNAL_WEIGHT: Readonly<Record<MetricSignal, number>> = {
  cpu: 1,
  memory: 1,
  latency: 1,
  errors: 1,
  network: 1,
  syscalls: 1,
  traffic: 1,
  node: 0,
  other: 0.5,
};

/**
 * A metric anomaly's strength: its z in the fault direction (|z| for either-way signals), 0 when
 * it moved the harmless way, compressed by log1p so one metric with a tiny normal spread cannot
 * outweigh everything else, times the signal's weight.
 */
export function strengthOf(a: MetricAnomaly, statistic: "median" | "peak" = "median"): number {
  const z = statistic === "median" ? a.z : a.peakZ;
  const dir = faultDirection(a.series.signal, a.series.name);
  const moved = dir === 0 ? Math.abs(z) : Math.max(0, dir * z);
  return SIGNAL_WEIGHT[a.series.signal] * Math.log1p(moved);
}
