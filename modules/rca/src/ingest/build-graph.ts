import { learnBaseline } from "../analysis/baseline.ts";
import type { MetricSeries, RcaInput, Relation, Resource, Sample } from "../model.ts";
import { type CallEdge, metricMeta, type RemoteWriteSeries, serviceOfPod } from "./remote-write.ts";

/** The graph part of an {@link RcaInput}: everything but the symptom. */
export type RcaGraph = Omit<RcaInput, "symptom">;

/** What the ingest path has received for one cluster. */
export interface IngestedTelemetry {
  /** Series of the period to analyse. */
  readonly series: readonly RemoteWriteSeries[];
  /** The same series over a fault-free period: their baselines. */
  readonly normal: readonly RemoteWriteSeries[];
  /** Service call edges (traces, a service mesh, or a recorded dependency list). */
  readonly calls: readonly CallEdge[];
}

/**
 * Resources, relations and metric series from remote-write series: a pod resource per
 * `{namespace, pod}` (its service from a `service` label, else the pod name without its
 * ReplicaSet suffixes), a service resource per service (`SELECTS` its pods), `CALLS` between
 * services, and each series with the baseline learnt from the matching normal series (same
 * labels). Series without a `pod` label describe their `service` label. Series with neither are
 * skipped.
 */
export function buildGraph(telemetry: IngestedTelemetry): RcaGraph {
  const resources = new Map<string, Resource>();
  const relations: Relation[] = [];
  const serviceId = (namespace: string, service: string) => {
    const id = `service/${namespace}/${service}`;
    if (!resources.has(id))
      resources.set(id, { id, kind: "service", namespace, name: service, service });
    return id;
  };
  const resourceOf = (labels: Readonly<Record<string, string>>): string | undefined => {
    const namespace = labels.namespace ?? "default";
    const pod = labels.pod;
    if (!pod) return labels.service ? serviceId(namespace, labels.service) : undefined;
    const id = `pod/${namespace}/${pod}`;
    if (!resources.has(id)) {
      const service = labels.service ?? serviceOfPod(pod);
      resources.set(id, { id, kind: "pod", namespace, name: pod, service });
      relations.push({ type: "SELECTS", from: serviceId(namespace, service), to: id, weight: 1 });
    }
    return id;
  };

  const normalByKey = new Map(telemetry.normal.map((s) => [seriesKey(s.labels), s]));
  const metrics: MetricSeries[] = [];
  for (const s of telemetry.series) {
    const resource = resourceOf(s.labels);
    const name = s.labels.__name__;
    if (!resource || !name) continue;
    const samples: Sample[] = s.samples
      .filter((x) => Number.isFinite(x.value))
      .map((x) => ({ at: x.timestamp, value: x.value }))
      .sort((a, b) => a.at - b.at);
    const normal = normalByKey.get(seriesKey(s.labels));
    const baseline = normal && learnBaseline(normal.samples.map((x) => x.value));
    const extra = Object.entries(s.labels).filter(([k]) => !RESOURCE_LABELS.has(k));
    metrics.push({
      resource,
      name,
      ...metricMeta(name),
      ...(extra.length > 0 ? { labels: Object.fromEntries(extra) } : {}),
      samples,
      ...(baseline ? { baseline } : {}),
    });
  }

  const namespaces = new Set([...resources.values()].map((r) => r.namespace ?? "default"));
  const namespace = namespaces.size === 1 ? ([...namespaces][0] ?? "default") : "default";
  for (const c of telemetry.calls)
    relations.push({
      type: "CALLS",
      from: serviceId(namespace, c.source),
      to: serviceId(namespace, c.target),
      weight: c.weight,
    });
  return { resources: [...resources.values()], relations, metrics };
}

/** Labels that name the resource (or the metric), not a dimension of the series. */
export const RESOURCE_LABELS: ReadonlySet<string> = new Set([
  "__name__",
  "namespace",
  "pod",
  "service",
  "container",
  "instance",
  "job",
]);

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}
