import type { RcaInput } from "../model.ts";

/** The service call graph: CALLS edges between services, both ways. */
export interface CallGraph {
  /** caller → its callees. */
  readonly callees: ReadonlyMap<string, ReadonlySet<string>>;
  /** callee → its callers. */
  readonly callers: ReadonlyMap<string, ReadonlySet<string>>;
  /** CALLS weight by `caller\u0000callee`. */
  readonly weight: ReadonlyMap<string, number>;
}

/** The CALLS relations of `input` between the services of their two ends (self-calls dropped). */
export function callGraph(input: Pick<RcaInput, "resources" | "relations">): CallGraph {
  const serviceOf = new Map(input.resources.map((r) => [r.id, r.service]));
  const callees = new Map<string, Set<string>>();
  const callers = new Map<string, Set<string>>();
  const weight = new Map<string, number>();
  for (const r of input.relations) {
    if (r.type !== "CALLS") continue;
    const from = serviceOf.get(r.from);
    const to = serviceOf.get(r.to);
    if (from === undefined || to === undefined || from === to) continue;
    if (!callees.has(from)) callees.set(from, new Set());
    if (!callers.has(to)) callers.set(to, new Set());
    callees.get(from)?.add(to);
    callers.get(to)?.add(from);
    weight.set(`${from}\u0000${to}`, (weight.get(`${from}\u0000${to}`) ?? 0) + r.weight);
  }
  return { callees, callers, weight };
}

/**
 * The shortest chain of callers from `service` up to `symptom` (`[service, caller, …, symptom]`):
 * the way a fault in `service` propagates to where it was seen. `[service]` when there is no
 * symptom service or no such chain.
 */
export function pathToSymptom(graph: CallGraph, service: string, symptom?: string): string[] {
  if (symptom === undefined || symptom === service) return [service];
  const previous = new Map<string, string>([[service, service]]);
  const queue = [service];
  while (queue.length > 0) {
    const s = queue.shift() as string;
    for (const caller of [...(graph.callers.get(s) ?? [])].sort()) {
      if (previous.has(caller)) continue;
      previous.set(caller, s);
      if (caller === symptom) {
        const path = [caller];
        for (let at = caller; at !== service; ) {
          at = previous.get(at) as string;
          path.push(at);
        }
        return path.reverse();
      }
      queue.push(caller);
    }
  }
  return [service];
}

/**
 * Personalized PageRank over the call graph, walking from callers to callees (MicroRank's and
 * Groot's direction: blame flows to what the anomalous services depend on), restarting at each
 * service with probability proportional to its anomaly score. Damping 0.85, 100 iterations; a
 * service without callees sends its mass back to the restart distribution. Scores sum to 1.
 */
export function personalizedPageRank(
  graph: CallGraph,
  personalization: ReadonlyMap<string, number>,
  damping = 0.85,
  iterations = 100,
): Map<string, number> {
  const nodes = new Set<string>(personalization.keys());
  for (const [a, bs] of graph.callees) {
    nodes.add(a);
    for (const b of bs) nodes.add(b);
  }
  const total = [...personalization.values()].reduce((s, v) => s + Math.max(0, v), 0);
  const restart = new Map<string, number>();
  for (const n of nodes)
    restart.set(n, total > 0 ? Math.max(0, personalization.get(n) ?? 0) / total : 1 / nodes.size);
  let rank = new Map(restart);
  for (let i = 0; i < iterations; i++) {
    const next = new Map<string, number>();
    let dangling = 0;
    for (const n of nodes) {
      const r = rank.get(n) ?? 0;
      const out = [...(graph.callees.get(n) ?? [])];
      // Out-edges weighted by the callee's anomaly, so the walk prefers anomalous callees.
      const w = out.map(
        (c) => (graph.weight.get(`${n}\u0000${c}`) ?? 1) * (1e-6 + (personalization.get(c) ?? 0)),
      );
      const sum = w.reduce((s, v) => s + v, 0);
      if (out.length === 0 || sum <= 0) {
        dangling += r;
        continue;
      }
      for (const [k, c] of out.entries())
        next.set(c, (next.get(c) ?? 0) + (damping * r * (w[k] ?? 0)) / sum);
    }
    for (const n of nodes)
      next.set(n, (next.get(n) ?? 0) + (1 - damping + damping * dangling) * (restart.get(n) ?? 0));
    rank = next;
  }
  return rank;
}
