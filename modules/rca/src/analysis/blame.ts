import type { MetricAnomaly } from "./anomaly.ts";
import type { CallGraph } from "./graph.ts";
import { personalizedPageRank } from "./graph.ts";
import { strengthOf } from "./strength.ts";

/** How a service's anomalies become its score, and how the call graph moves blame. */
export interface BlameOptions {
  /** Window statistic compared with the reference: its median (sustained) or its peak. */
  readonly statistic: "median" | "peak";
  /**
   * A service's own score from its signals: the strongest ("max"), or the sum of the strongest
   * per signal ("signals"), which rewards a fault seen in CPU and latency together.
   */
  readonly aggregate: "max" | "signals";
  /**
   * How the call graph is used: "none"; "explain" (a caller's latency is explained by a callee
   * whose own latency moved at least `explainRatio` as much, and keeps `explainedShare` of it);
   * "pagerank" (MicroRank-style personalized PageRank over CALLS, walking from callers to
   * callees, personalised by the scores, added to them).
   */
  readonly graph: "none" | "explain" | "pagerank";
  readonly explainedShare: number;
  readonly explainRatio: number;
  /**
   * Share of a service's traffic drop (workload, network bytes or syscalls falling) passed to its
   * callers when the drop is its strongest evidence (Groot-style rule: a callee that suddenly gets
   * fewer calls points at the caller that stopped making them; a slow or failing service's own
   * throughput falls too, and then that drop stays its own). 0 keeps every drop where it is.
   */
  readonly dropTransfer: number;
}

/** A service's evidence by role. */
export interface Parts {
  /** Latency rose: a symptom that travels from callees to callers. */
  readonly latency: number;
  /** Traffic fell: points at the callers. */
  readonly dropped: number;
  /** Everything else (CPU, memory, errors, traffic rises). */
  readonly rest: number;
}

/** The strongest anomaly strength per role. */
export function partsOf(list: readonly MetricAnomaly[], options: BlameOptions): Parts {
  const bySignal = new Map<string, number>();
  for (const a of list) {
    const s = strengthOf(a, options.statistic);
    const key = isDrop(a, options) ? "drop" : a.series.signal;
    bySignal.set(key, Math.max(bySignal.get(key) ?? 0, s));
  }
  const others = [...bySignal.entries()].filter(([k]) => k !== "latency" && k !== "drop");
  const rest =
    options.aggregate === "max"
      ? Math.max(0, ...others.map(([, v]) => v))
      : others.reduce((t, [, v]) => t + v, 0);
  return { latency: bySignal.get("latency") ?? 0, dropped: bySignal.get("drop") ?? 0, rest };
}

function isDrop(a: MetricAnomaly, options: BlameOptions): boolean {
  const z = options.statistic === "median" ? a.z : a.peakZ;
  const s = a.series.signal;
  return z < 0 && (s === "traffic" || s === "network" || s === "syscalls");
}

/**
 * Each service's score from its parts and its neighbours' along CALLS: latency explained by a
 * callee is discounted, traffic drops are passed to callers, and with "pagerank" the personalized
 * PageRank is added. Services only in `parts` are scored.
 */
export function blame(
  parts: ReadonlyMap<string, Parts>,
  graph: CallGraph,
  options: BlameOptions,
): Map<string, number> {
  const combine = (xs: number[]) =>
    options.aggregate === "max" ? Math.max(0, ...xs) : xs.reduce((t, v) => t + v, 0);
  const score = new Map<string, number>();
  const received = new Map<string, number>();
  for (const [service, p] of parts) {
    const calleeLatency = Math.max(
      0,
      ...[...(graph.callees.get(service) ?? [])].map((c) => parts.get(c)?.latency ?? 0),
    );
    const explained =
      options.graph === "explain" &&
      p.latency > 0 &&
      calleeLatency >= options.explainRatio * p.latency;
    const latency = explained ? p.latency * options.explainedShare : p.latency;
    const kept = combine([p.rest, latency]);
    const callers = [...(graph.callers.get(service) ?? [])];
    const passed = callers.length > 0 && p.dropped > kept ? options.dropTransfer * p.dropped : 0;
    score.set(service, combine([kept, p.dropped - passed]));
    for (const c of callers) received.set(c, Math.max(received.get(c) ?? 0, passed));
  }
  // A caller blamed for a drop is scored even when none of its own metrics moved.
  for (const [service, r] of received)
    if (score.has(service) || r > 0) score.set(service, combine([score.get(service) ?? 0, r]));
  if (options.graph === "pagerank") {
    const pr = personalizedPageRank(graph, score);
    const maxScore = Math.max(Number.EPSILON, ...score.values());
    const maxPr = Math.max(Number.EPSILON, ...pr.values());
    for (const [service, s] of score)
      score.set(service, s / maxScore + (pr.get(service) ?? 0) / maxPr);
  }
  return score;
}
