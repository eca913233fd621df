import type { Db } from "@kamiyo/db";
import type {
  Baseline,
  MetricSeries,
  MetricSignal,
  RcaInput,
  Resource,
  ResourceEvent,
  Symptom,
} from "../model.ts";
import { eventsInWindow, type StoredEvent } from "./graph-queries.ts";
import { loadNeighbourhood } from "./neighbourhood.ts";

/**
 * What a metric-anomaly event carries in `data` (`rca_events.kind = 'metric_anomaly'`): the
 * metric, the value seen, and the baseline learnt from a normal period it was compared with.
 */
export interface MetricAnomalyData {
  readonly metric: string;
  readonly signal: MetricSignal;
  readonly unit?: string;
  readonly value: number;
  readonly baseline: {
    readonly median: number;
    readonly scale: number;
    readonly n?: number;
    readonly p01?: number;
    readonly p99?: number;
  };
  readonly labels?: Readonly<Record<string, string>>;
}

export interface LoadRcaInputOptions {
  /** Metric series the caller already holds (the remote-write path), added as they are. */
  readonly metrics?: readonly MetricSeries[];
  /** Minutes before the window whose events are read too (the local reference). Default 60. */
  readonly lookbackMinutes?: number;
}

/**
 * The input of an RCA query (`rankCandidates`) for `symptom` from the tenant's stored graph: of
 * the resources alive during the window (not deleted before it) and the relations live then, only
 * the neighbourhood the ranking can reach ({@link loadNeighbourhood}: the resources with events,
 * their services, the symptom's, the call graph, and everything a fault in them reaches), so a
 * query's cost follows its incidents, not the tenant's graph; and a
 * metric series per (resource, metric, labels) from the metric-anomaly events of the window and
 * the `lookbackMinutes` before it, each with the baseline its latest event names; the other events
 * of that span (state changes, Kubernetes Events, log error bursts: at most 10,000, oldest first)
 * as `input.events`, which the ranking reads as changes and failures; plus the
 * window's events (every kind) as evidence to show beside the ranking. CALLS ends never seen as
 * objects become `service` resources, so the call graph is whole.
 */
export async function loadRcaInput(
  db: Db,
  symptom: Symptom,
  options: LoadRcaInputOptions = {},
): Promise<{ input: RcaInput; events: StoredEvent[] }> {
  const from = new Date(symptom.from);
  const to = new Date(symptom.to);
  const lookback = new Date(symptom.from - (options.lookbackMinutes ?? 60) * 60_000);
  const extra = [
    ...new Set([
      ...(options.metrics ?? []).map((m) => m.resource),
      ...(symptom.resource !== undefined ? [symptom.resource] : []),
    ]),
  ];
  const { rows, relations, anomalies, happenings } = await db.transaction(async (tx) => {
    const { resources: rows, relations } = await loadNeighbourhood(tx, {
      from,
      to,
      lookback,
      service: symptom.service ?? null,
      extra,
    });
    return {
      rows,
      relations,
      anomalies: await tx.query<{ resourceId: string; data: MetricAnomalyData; occurredAt: Date }>(
        `SELECT resource_id AS "resourceId", data, occurred_at AS "occurredAt" FROM rca_events
         WHERE kind = 'metric_anomaly' AND occurred_at >= $1 AND occurred_at < $2
         ORDER BY occurred_at, id`,
        [lookback.toISOString(), to.toISOString()],
      ),
      happenings: await tx.query<EventRowOut>(
        `SELECT resource_id AS "resourceId", kind, reason, severity, message, data,
           occurred_at AS "occurredAt" FROM rca_events
         WHERE kind IN ('state_change', 'k8s_event', 'log_burst')
           AND occurred_at >= $1 AND occurred_at < $2
         ORDER BY occurred_at, id LIMIT 10000`,
        [lookback.toISOString(), to.toISOString()],
      ),
    };
  });
  const resources = new Map<string, Resource>(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        kind: r.kind,
        ...(r.namespace !== null ? { namespace: r.namespace } : {}),
        name: r.name,
        service: r.service ?? r.name,
      },
    ]),
  );
  for (const rel of relations)
    if (rel.type === "CALLS")
      for (const id of [rel.from, rel.to])
        if (!resources.has(id)) {
          const [, namespace, name = id] = id.split("/");
          resources.set(id, {
            id,
            kind: "service",
            ...(namespace ? { namespace } : {}),
            name,
            service: name,
          });
        }
  const events = await eventsInWindow(db, { from, to, limit: 10_000 });
  return {
    input: {
      resources: [...resources.values()],
      relations,
      metrics: [...(options.metrics ?? []), ...seriesOf(anomalies, symptom.from)],
      symptom,
      events: happenings.map(toResourceEvent),
    },
    events,
  };
}

interface EventRowOut {
  resourceId: string;
  kind: ResourceEvent["kind"];
  reason: string;
  severity: ResourceEvent["severity"];
  message: string;
  data: Readonly<Record<string, unknown>> | null;
  occurredAt: Date;
}

/** A stored event as the ranking reads it; its first occurrence from the data the ingest kept. */
function toResourceEvent(r: EventRowOut): ResourceEvent {
  const at = r.occurredAt.getTime();
  const first = [r.data?.firstSeenAt, r.data?.windowStart]
    .map((v) => (typeof v === "string" ? Date.parse(v) : Number.NaN))
    .find((v) => Number.isFinite(v));
  return {
    resource: r.resourceId,
    kind: r.kind,
    reason: r.reason,
    severity: r.severity,
    message: r.message,
    at,
    firstAt: first !== undefined ? Math.min(first, at) : at,
  };
}

/**
 * A series per (resource, metric, labels) from its anomaly and recovery events: each event's value
 * is a sample, and the value before the window holds until the next event (an episode that
 * opened before the window and has not recovered is still seen in it: a sample at `from`).
 */
function seriesOf(
  rows: readonly { resourceId: string; data: MetricAnomalyData; occurredAt: Date }[],
  from: number,
): MetricSeries[] {
  const series = new Map<
    string,
    { resource: string; data: MetricAnomalyData; samples: { at: number; value: number }[] }
  >();
  for (const r of rows) {
    const d = r.data;
    if (
      typeof d?.metric !== "string" ||
      !Number.isFinite(d.value) ||
      !Number.isFinite(d.baseline?.median)
    )
      continue;
    const key = JSON.stringify([r.resourceId, d.metric, d.labels ?? {}]);
    const s = series.get(key) ?? { resource: r.resourceId, data: d, samples: [] };
    s.data = d;
    s.samples.push({ at: r.occurredAt.getTime(), value: d.value });
    series.set(key, s);
  }
  return [...series.values()].map(({ resource, data, samples: events }) => {
    const before = events.filter((x) => x.at < from);
    const held = before.at(-1);
    const samples =
      held && !events.some((x) => x.at === from)
        ? [...before, { at: from, value: held.value }, ...events.slice(before.length)]
        : events;
    const b = data.baseline;
    const baseline: Baseline = {
      n: b.n ?? 0,
      median: b.median,
      scale: Number.isFinite(b.scale) ? b.scale : 0,
      p01: b.p01 ?? b.median,
      p99: b.p99 ?? b.median,
    };
    return {
      resource,
      name: data.metric,
      unit: data.unit ?? "",
      signal: data.signal,
      ...(data.labels ? { labels: data.labels } : {}),
      samples,
      baseline,
    };
  });
}
