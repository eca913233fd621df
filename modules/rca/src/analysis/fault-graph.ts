import type { RcaInput, Relation, RelationType } from "../model.ts";

/**
 * Which way a fault travels along each relation type: `forward` from `from` to `to` (a Deployment
 * to the ReplicaSet it controls, to its pods), `backward` from `to` to `from` (a ConfigMap to the
 * pod that mounts it, a node to the pods that run on it, a pod to the Service that selects it, a
 * callee to its caller, a Service to the Ingress that routes to it).
 */
export const FAULT_DIRECTION: Readonly<Record<RelationType, "forward" | "backward">> = {
  CONTROLS: "forward",
  OWNS: "forward",
  MOUNTS: "backward",
  RUNS_ON: "backward",
  SELECTS: "backward",
  CALLS: "backward",
  ROUTES_TO: "backward",
};

/** The knowledge graph turned into cause → effect edges. */
export interface FaultGraph {
  /** cause → what a fault in it reaches in one step, sorted. */
  readonly effects: ReadonlyMap<string, readonly string[]>;
  /** A resource → its controller (the owner reference with `controller: true`). */
  readonly controller: ReadonlyMap<string, string>;
}

/** The relations of `input` as a {@link FaultGraph} (self-edges dropped). */
export function faultGraph(relations: readonly Relation[]): FaultGraph {
  const effects = new Map<string, Set<string>>();
  const controller = new Map<string, string>();
  for (const r of relations) {
    if (r.from === r.to) continue;
    const [cause, effect] = FAULT_DIRECTION[r.type] === "forward" ? [r.from, r.to] : [r.to, r.from];
    if (!effects.has(cause)) effects.set(cause, new Set());
    effects.get(cause)?.add(effect);
    // An HPA's CONTROLS names its scale target, not an owner.
    if (r.type === "CONTROLS" && !r.from.startsWith("horizontalpodautoscaler/"))
      controller.set(r.to, r.from);
  }
  return {
    effects: new Map([...effects].map(([k, v]) => [k, [...v].sort()])),
    controller,
  };
}

/** Everything a fault in `from` reaches within `maxHops` steps, with its distance (`from` at 0). */
export function downstream(g: FaultGraph, from: string, maxHops = 8): Map<string, number> {
  const seen = new Map([[from, 0]]);
  let frontier = [from];
  for (let hop = 1; hop <= maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const id of frontier)
      for (const e of g.effects.get(id) ?? [])
        if (!seen.has(e)) {
          seen.set(e, hop);
          next.push(e);
        }
    frontier = next;
  }
  return seen;
}

/** The top of `id`'s controller chain (a pod → its ReplicaSet → its Deployment); `id` without one. */
export function topController(g: FaultGraph, id: string): string {
  let at = id;
  const seen = new Set([at]);
  for (let next = g.controller.get(at); next !== undefined && !seen.has(next); ) {
    seen.add(next);
    at = next;
    next = g.controller.get(at);
  }
  return at;
}

/**
 * The shortest cause → effect path from `from` to any of `targets` (`[from, …, target]`), taking
 * `preferred` resources first among equals (so the path goes through the pod that failed, not its
 * healthy sibling); undefined when none is reachable within `maxHops`.
 */
export function faultPath(
  g: FaultGraph,
  from: string,
  targets: ReadonlySet<string>,
  preferred: (id: string) => boolean = () => false,
  maxHops = 8,
): string[] | undefined {
  const previous = new Map<string, string>([[from, from]]);
  let frontier = [from];
  const walk = (to: string) => {
    const path = [to];
    for (let at = to; at !== from; ) {
      at = previous.get(at) as string;
      path.push(at);
    }
    return path.reverse();
  };
  if (targets.has(from)) return [from];
  for (let hop = 1; hop <= maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const id of frontier) {
      const out = [...(g.effects.get(id) ?? [])].sort(
        (a, b) => Number(preferred(b)) - Number(preferred(a)) || a.localeCompare(b),
      );
      for (const e of out) {
        if (previous.has(e)) continue;
        previous.set(e, id);
        if (targets.has(e)) return walk(e);
        next.push(e);
      }
    }
    frontier = next.sort((a, b) => Number(preferred(b)) - Number(preferred(a)));
  }
  return undefined;
}

/**
 * The resources where `input`'s symptom shows: its `resource`, else the `service`-kind resources
 * of its service (the Service object or call-graph node), else any resource of that service.
 */
export function symptomTargets(input: Pick<RcaInput, "resources" | "symptom">): Set<string> {
  const { symptom } = input;
  if (symptom.resource !== undefined) return new Set([symptom.resource]);
  if (symptom.service === undefined) return new Set();
  const of = input.resources.filter((r) => r.service === symptom.service);
  const services = of.filter((r) => r.kind === "service");
  return new Set((services.length > 0 ? services : of).map((r) => r.id));
}
