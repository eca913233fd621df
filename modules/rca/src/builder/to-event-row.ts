import type { EventRow } from "../graph/state-events.ts";
import type { IngestedEvent } from "../ingest/events.ts";
import type { MetricAnomalyData } from "../store/load-input.ts";

const iso = (ms: number) => new Date(ms).toISOString();

const EVENT_KINDS = new Set(["k8s_event", "log_error_burst", "metric_anomaly", "metric_recovery"]);
const SEVERITIES = new Set(["info", "warning", "critical"]);

/**
 * A stream message's body as the event row the graph stores, or undefined when it is not an
 * event the builder reads (another kind, or fields the row cannot be made of: a missing time, a
 * severity the store refuses), so that one bad message is left out rather than failing its batch
 * on every delivery.
 */
export function eventRowOf(body: unknown): EventRow | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  if (!EVENT_KINDS.has(String((body as { kind?: unknown }).kind))) return undefined;
  let row: EventRow;
  try {
    row = toEventRow(body as IngestedEvent);
  } catch {
    return undefined; // a time that is not a number, a z that is not one, …
  }
  const ok =
    typeof row.dedupKey === "string" &&
    row.dedupKey !== "" &&
    typeof row.resourceId === "string" &&
    row.resourceId !== "" &&
    typeof row.reason === "string" &&
    typeof row.message === "string" &&
    SEVERITIES.has(row.severity);
  return ok ? row : undefined;
}

/**
 * An event from the agents' streams as the graph stores it on its resource: Kubernetes Events as
 * they are, a pod's log error burst, a metric's anomaly or recovery (with value and baseline, as
 * `loadRcaInput` reads them). The de-duplication key is the one the ingest path gave.
 */
export function toEventRow(e: IngestedEvent): EventRow {
  const base = {
    dedupKey: e.dedupeKey,
    resourceId: e.resource,
    severity: e.severity,
    occurredAt: iso(e.occurredAt),
  };
  switch (e.kind) {
    case "k8s_event":
      return {
        ...base,
        kind: "k8s_event",
        reason: e.reason,
        message: e.message,
        data: {
          type: e.type,
          count: e.count,
          firstSeenAt: iso(e.firstSeenAt),
          source: e.source,
          ...(e.host ? { host: e.host } : {}),
          ...(e.cluster ? { cluster: e.cluster } : {}),
          ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
        },
      };
    case "log_error_burst":
      return {
        ...base,
        kind: "log_burst",
        reason: "LogErrors",
        message: e.sample,
        data: {
          count: e.count,
          byLevel: e.byLevel,
          containers: e.containers,
          windowStart: iso(e.windowStart),
          windowEnd: iso(e.windowEnd),
        },
      };
    case "metric_anomaly":
    case "metric_recovery": {
      // The robust scale the z was computed with: |value − median| / |z|.
      const scale = e.z === 0 ? 0 : Math.abs((e.value - e.baseline) / e.z);
      const data: MetricAnomalyData & Record<string, unknown> = {
        metric: e.metric,
        signal: e.signal,
        value: e.value,
        baseline: { median: e.baseline, scale },
        labels: e.labels,
        z: e.z,
        windowStart: iso(e.windowStart),
        windowEnd: iso(e.windowEnd),
      };
      return {
        ...base,
        kind: "metric_anomaly",
        reason: e.kind === "metric_anomaly" ? "MetricAnomaly" : "MetricRecovered",
        message: `${e.metric} ${e.kind === "metric_anomaly" ? "at" : "back to"} ${e.value} (baseline ${e.baseline}, z ${e.z.toFixed(1)})`,
        data,
      };
    }
  }
}
