import type { Candidate, Evidence, RcaInput, Resource } from "../model.ts";
import {
  type AnomalyOptions,
  DEFAULT_ANOMALY,
  type MetricAnomaly,
  scoreMetric,
} from "./anomaly.ts";
import { type BlameOptions, blame, type Parts, partsOf } from "./blame.ts";
import {
  DEFAULT_EVENT_RANK,
  type EventRankOptions,
  type EventRoot,
  eventRoots,
} from "./event-blame.ts";
import { inferFaultType } from "./fault-type.ts";
import { callGraph, pathToSymptom } from "./graph.ts";
import { strengthOf } from "./strength.ts";

/** How candidates are ranked. */
export interface RankOptions extends BlameOptions {
  readonly anomaly: AnomalyOptions;
  /** At most this many evidence items per candidate. */
  readonly evidence: number;
  /** How the input's events become root causes ({@link eventRoots}). */
  readonly events: EventRankOptions;
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
  events: DEFAULT_EVENT_RANK,
};

/**
 * Ranks the services of `input` as root causes of its symptom, best first: each metric's window
 * is scored against its reference ({@link scoreMetric}), each service's anomalies are split by
 * role ({@link partsOf}), and the call graph moves blame ({@link blame}): a callee explains its
 * callers' latency, a caller explains its callees' traffic drop. The input's events add causes
 * ({@link eventRoots}: a change, a node NotReady, a workload's failing pods): a service's score is
 * its metric score plus its best cause's, and a service whose trouble a cause of hard failures
 * elsewhere reaches (a caller of a crashing callee, a service with a pod on a failed node) keeps
 * `explainedShare` of its metric score and passes the rest to that cause. Candidates are the
 * services with pods (or call edges) and at least one scored metric or a callee's drop passed to
 * them, and the services of the causes; equal scores are ordered by the candidate's own strongest
 * anomaly, then by name.
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

  const roots = new Map<string, EventRoot>();
  for (const root of eventRoots(input, options.events))
    if (!roots.has(root.service)) roots.set(root.service, root);
  const { metric, received } = explainedByRoots(score, roots, options.explainedShare);
  const serviceNode = (service: string) =>
    input.resources.find((r) => r.kind === "service" && r.service === service)?.id ?? service;

  return [...new Set([...score.keys(), ...roots.keys()])]
    .map((service): Candidate => {
      const root = roots.get(service);
      const own = metric.get(service) ?? 0;
      const rootScore = root ? root.score + (received.get(service) ?? 0) : 0;
      const strongest = [...(anomalies.get(service) ?? [])].sort(
        (a, b) => strengthOf(b, options.statistic) - strengthOf(a, options.statistic),
      );
      const evidence = strongest.slice(0, options.evidence).map(toEvidence);
      const events = root?.events ?? [];
      if (root && (root.hard || rootScore >= own))
        return {
          service,
          resource: root.resource,
          score: own + rootScore,
          faultType: root.faultType,
          path: servicesAlong(root.causalPath, byId),
          causalPath: root.causalPath,
          evidence,
          events,
        };
      const onResource = strongest.find((a) => byId.get(a.series.resource)?.kind !== "service");
      const path = pathToSymptom(graph, service, input.symptom.service);
      const nodes = path.map(serviceNode);
      const resource = onResource?.series.resource;
      return {
        service,
        ...(resource ? { resource } : {}),
        score: own + rootScore,
        faultType: inferFaultType(strongest, options.statistic),
        path,
        causalPath: resource && resource !== nodes[0] ? [resource, ...nodes] : nodes,
        evidence,
        events,
      };
    })
    .sort(order);
}

/**
 * The metric scores once the events' causes explain some of them: a service a cause of hard
 * failures reaches (a caller of a crashing callee, a service with a pod on a failed node) keeps
 * `share` of its metric score and passes as much to that cause (Groot-style: the symptom's
 * evidence counts for what explains it), the largest a cause receives.
 */
function explainedByRoots(
  score: ReadonlyMap<string, number>,
  roots: ReadonlyMap<string, EventRoot>,
  share: number,
): { metric: Map<string, number>; received: Map<string, number> } {
  const metric = new Map(score);
  const received = new Map<string, number>();
  for (const root of roots.values()) {
    if (!root.hard) continue;
    for (const s of root.affects) {
      const m = score.get(s);
      if (m === undefined || roots.get(s)?.hard) continue;
      metric.set(s, m * share);
      received.set(root.service, Math.max(received.get(root.service) ?? 0, m * (1 - share)));
    }
  }
  return { metric, received };
}

/** The services along a causal path, each once in a row (`[cart, frontend]`). */
function servicesAlong(ids: readonly string[], byId: ReadonlyMap<string, Resource>): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const s = byId.get(id)?.service ?? id.slice(id.lastIndexOf("/") + 1);
    if (out.at(-1) !== s) out.push(s);
  }
  return out;
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
