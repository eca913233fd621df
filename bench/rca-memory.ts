/**
 * What a tenant costs the RCA service in memory: the per-tenant state the runtime keeps between
 * requests (`RcaRuntime.detector` and `RcaRuntime.logs`: a streaming anomaly detector and a
 * log-burst aggregator, one map entry each), filled as a busy tenant fills it, measured as the
 * heap (and typed arrays' buffers: the sample rings) it holds after a full GC; and a query's peak
 * JS heap (sampled each millisecond) above the heap before it.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { LogBurstAggregator, StreamingAnomalyDetector } from "@kamiyo/rca";

setFlagsFromString("--expose-gc");
/** A full, synchronous GC (the flag set at run time, so the bench runner needs no flag). */
const gc = runInNewContext("gc") as () => void;

/** The JS heap after a full GC, bytes; with `buffers`, typed arrays' backing stores too. */
function heapAfterGc(buffers = false): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + (buffers ? m.arrayBuffers : 0);
}

/** What the measured tenant holds: series, samples each, open pod-minutes of error logs. */
export const TENANT_SHAPE = { series: 2_000, scrapeS: 15, minutes: 65, logPods: 200 } as const;

/** One tenant's state: its detector with every series' ring filled, its aggregator's open minutes. */
function tenantState(
  t: number,
  now: number,
): { detector: StreamingAnomalyDetector; logs: LogBurstAggregator } {
  const { series, scrapeS, minutes, logPods } = TENANT_SHAPE;
  const detector = new StreamingAnomalyDetector();
  const samples = (minutes * 60) / scrapeS;
  for (let s = 0; s < series; s++) {
    const labels = {
      __name__:
        ["container_cpu_usage_seconds_total", "http_request_duration_seconds_p99"][s % 2] ?? "",
      namespace: `ns-${s % 20}`,
      pod: `svc-${t}-${Math.floor(s / 2)}-5d8f7c9b6-abcde`,
    };
    for (let i = 0; i < samples; i++)
      detector.observe(labels, {
        at: now - (samples - i) * scrapeS * 1000,
        value: 1 + (i % 7) / 100,
      });
  }
  const logs = new LogBurstAggregator();
  const records = [];
  for (let p = 0; p < logPods; p++)
    for (const ago of [90_000, 30_000])
      records.push({
        at: now - ago,
        namespace: `ns-${p % 20}`,
        pod: `svc-${p}-5d8f7c9b6-abcde`,
        container: "app",
        message: `ERROR request ${p} failed: upstream connect error or disconnect/reset before headers. ${"x".repeat(200)}`,
      });
  logs.add(records);
  return { detector, logs };
}

/**
 * The memory one tenant's runtime state holds (JS heap and array buffers), bytes: `tenants` tenants' state created and held in a
 * map (as the runtime holds them), the heap after GC minus before, divided by `tenants`.
 */
export function memoryPerTenant(tenants = 2): { bytes: number; seconds: number } {
  const now = Date.now();
  const held = new Map<string, ReturnType<typeof tenantState>>();
  const before = heapAfterGc(true);
  const t0 = performance.now();
  for (let t = 0; t < tenants; t++) held.set(`ten_${t}`, tenantState(t, now));
  const seconds = (performance.now() - t0) / 1000;
  const bytes = (heapAfterGc(true) - before) / tenants;
  if (held.size !== tenants) throw new Error("tenant state lost");
  return { bytes, seconds };
}

/** Runs `f` and returns its result with the peak heap above the heap before it (sampled each ms). */
export async function peakHeap<T>(f: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const before = heapAfterGc();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  try {
    const result = await f();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { result, peak: peak - before };
  } finally {
    clearInterval(timer);
  }
}
