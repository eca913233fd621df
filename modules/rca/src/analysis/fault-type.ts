import type { FaultType, MetricSignal } from "../model.ts";
import type { MetricAnomaly } from "./anomaly.ts";
import { strengthOf } from "./strength.ts";

/**
 * The fault type a service's anomalies point to: CPU or memory when that resource moved
 * (at least half as strongly as the strongest signal), errors when a success rate fell or an
 * error count rose, a network delay when latency rose as seen by callers (`call_latency…`,
 * client-side latency) without CPU, latency otherwise; unknown when nothing moved.
 */
export function inferFaultType(
  list: readonly MetricAnomaly[],
  statistic: "median" | "peak" = "median",
): FaultType {
  const bySignal = new Map<MetricSignal, number>();
  const byName = new Map<string, number>();
  for (const a of list) {
    const s = strengthOf(a, statistic);
    bySignal.set(a.series.signal, Math.max(bySignal.get(a.series.signal) ?? 0, s));
    byName.set(a.series.name, Math.max(byName.get(a.series.name) ?? 0, s));
  }
  const top = Math.max(0, ...bySignal.values());
  if (top < Math.log1p(3)) return "unknown";
  const strong = (signal: MetricSignal) => (bySignal.get(signal) ?? 0) >= top / 2;
  if (strong("cpu")) return "cpu";
  if (strong("memory")) return "memory";
  if (strong("errors")) return "error";
  if (strong("latency")) {
    const callerSide = Math.max(
      0,
      ...[...byName.entries()]
        .filter(([n]) => /call_latency|client_latency/.test(n))
        .map(([, v]) => v),
    );
    return callerSide >= (bySignal.get("latency") ?? 0) * 0.9 ? "network_delay" : "latency";
  }
  if (strong("network")) return "network_delay";
  return "unknown";
}
