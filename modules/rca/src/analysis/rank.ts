import type { Candidate, Evidence, RcaInput } from "../model.ts";
import {
  type AnomalyOptions,
  DEFAULT_ANOMALY,
  type MetricAnomaly,
  scoreMetric,
} from "./anomaly.ts";
import { type BlameOptions, blame, type Parts, partsOf } from "./blame.ts";
import { inferFaultType } from "./fault-type.ts";
import { callGraph, pathToSymptom } from "./graph.ts";
import { strengthOf } from "./strength.ts";

/** How candidates are ranked. */
export interface RankOptions extends BlameOptions {
  readonly anomaly: AnomalyOptions;
  /** At most this many evidence items per candidate. */
  readonly evidence: number;
}

/**
 * The parameters measured best on the Nezha days' tuning half (README of this module): one set
 * for every system.
 */
export const DEFAULT_RANK: RankOptions = {
  anomaly: DEFAULT_ANOMALY,
  statistic: "median",
  aggregate: "max",
  graph: "explain",
  explainedShare: 0.5,
  explainRatio: 0.75,
  dropTransfer: 1,
  evidence: 5,
};

/**
 * Ranks the services of `input` as root causes of its symptom, best first: each metric's window
 * is scored against its reference ({@link scoreMetric}), each service's anomalies are split by
 * role ({@link partsOf}), and the call graph moves blame ({@link blame}): a callee explains its
 * callers' latency, a caller explains its callees' traffic drop. Candidates are the services with
 * pods (or call edges) and at least one scored metric or a callee's drop passed to them; equal
 * scores are ordered by the candidate's own strongest anomaly, then by name.
 */
export function rankCandidates(input: RcaInput, options: RankOptions = DEFAULT_RANK): Candidate[] {
  const byId = new Map(input.resources.map((r) => [r.id, r]));
  const graph = callGraph(input);
  const candidates = new Set([
    ...input.resources.filter((r) => r.kind !== "service").map((r) => r.service),
    ...graph.callers.keys(),
    ...graph.callees.keys(),
  ]);
  const anomalies = new Map<string, MetricAnomaly[]>();
  for (const series of input.metrics) {
    const service = byId.get(series.resource)?.service;
    if (service === undefined || !candidates.has(service)) continue;
    const a = scoreMetric(series, input.symptom, options.anomaly);
    if (!a) continue;
    anomalies.set(service, [...(anomalies.get(service) ?? []), a]);
  }
  const parts = new Map<string, Parts>();
  for (const [service, list] of anomalies) parts.set(service, partsOf(list, options));
  const score = blame(parts, graph, options);
  // Equal scores (blame passed to several callers) go to the one whose own metrics moved most.
  const own = new Map(
    [...anomalies].map(([service, list]) => [
      service,
      Math.max(0, ...list.map((a) => strengthOf(a, options.statistic))),
    ]),
  );
  const order = (a: Candidate, b: Candidate) =>
    b.score - a.score ||
    (own.get(b.service) ?? 0) - (own.get(a.service) ?? 0) ||
    a.service.localeCompare(b.service);

  return [...score.entries()]
    .map(([service, s]): Candidate => {
      const strongest = [...(anomalies.get(service) ?? [])].sort(
        (a, b) => strengthOf(b, options.statistic) - strengthOf(a, options.statistic),
      );
      const onResource = strongest.find((a) => byId.get(a.series.resource)?.kind !== "service");
      return {
        service,
        ...(onResource ? { resource: onResource.series.resource } : {}),
        score: s,
        faultType: inferFaultType(strongest, options.statistic),
        path: pathToSymptom(graph, service, input.symptom.service),
        evidence: strongest.slice(0, options.evidence).map(toEvidence),
      };
    })
    .sort(order);
}

function toEvidence(a: MetricAnomaly): Evidence {
  return {
    resource: a.series.resource,
    metric: a.series.name,
    ...(a.series.labels ? { labels: a.series.labels } : {}),
    signal: a.series.signal,
    value: a.value,
    baseline: a.reference,
    z: a.z,
    at: a.at,
  };
}
