import type { Candidate, StatusSummary } from "./types.ts";

/** A resource's status in a few words, and how it is doing. */
export interface StatusLine {
  text: string;
  level: "ok" | "warn" | "bad" | "none";
}

const WORKLOADS = new Set(["deployment", "statefulset", "daemonset", "replicaset"]);

/**
 * The status summary the graph keeps, as a table cell says it: a pod's phase and its containers
 * that are not ready (state, reason, restarts, an OOM kill), a node's readiness, a workload's
 * available replicas.
 */
export function statusLine(kind: string, s: StatusSummary): StatusLine {
  if (kind === "node") {
    const ready = s.conditions?.Ready;
    if (ready === undefined) return { text: "–", level: "none" };
    return ready === "True"
      ? { text: "Ready", level: "ok" }
      : { text: `Not ready (Ready=${ready})`, level: "bad" };
  }
  if (WORKLOADS.has(kind) && s.replicas !== undefined) {
    const available = s.available ?? 0;
    return {
      text: `${available} of ${s.replicas} available`,
      level: (s.unavailable ?? 0) > 0 || available < s.replicas ? "warn" : "ok",
    };
  }
  // A container that ran to completion (a Job's) is done, not failing.
  const done = (c: { state: string; reason?: string }) =>
    c.state === "terminated" && c.reason === "Completed";
  const troubled = (s.containers ?? []).filter(
    (c) => (!c.ready && !done(c)) || c.lastTermination?.reason === "OOMKilled",
  );
  const parts = troubled.map((c) => {
    const state = c.reason ? `${c.state} (${c.reason})` : c.state;
    const oom = c.lastTermination?.reason === "OOMKilled" ? ", last OOMKilled" : "";
    const restarts = c.restarts > 0 ? `, ${c.restarts} restart${c.restarts === 1 ? "" : "s"}` : "";
    return `${c.name} ${state}${restarts}${oom}`;
  });
  const phase = s.phase ?? "";
  if (parts.length > 0) return { text: [phase, ...parts].filter(Boolean).join("; "), level: "bad" };
  if (phase) return { text: phase, level: phase === "Failed" ? "bad" : "ok" };
  return { text: "–", level: "none" };
}

/** A node of a drawn causal path. */
export interface PathNode {
  label: string;
  /** A resource of the cluster (its page links from the path), or a service by name. */
  kind: "resource" | "service";
  /** Where the fault is: the root cause, or the candidate's service. */
  cause: boolean;
  /** The symptom's service: where it shows. */
  symptom: boolean;
  /** What it is on the path, when not the cause, the symptom or a step between them. */
  role?: string;
}

/** A drawn path: its nodes in order, and the relation from each to the next. */
export interface CausalChain {
  nodes: PathNode[];
  /** `edges[i]` joins `nodes[i]` to `nodes[i + 1]`. */
  edges: string[];
}

/** How a fault travels from a resource of one kind to the next, as the arrow reads. */
function relationWord(from: string, to: string): string {
  const k = (id: string) => id.slice(0, id.indexOf("/"));
  const [a, b] = [k(from), k(to)];
  if (a === "service" && b === "service") return "called by";
  if (a === "pod" && b === "service") return "selected by";
  if (a === "node") return "runs";
  if (["configmap", "secret", "persistentvolumeclaim"].includes(a)) return "mounted by";
  if (["deployment", "statefulset", "daemonset", "replicaset", "job", "cronjob"].includes(a))
    return "controls";
  if (a === "ingress") return "routes to";
  return "affects";
}

/**
 * The chain a candidate's answer describes, from the cause to the symptom. With the answer's
 * causal path (resource ids: the ConfigMap that changed, the pods that mount it, the Service that
 * selects them, each caller up to the symptom's), each resource and how the fault reached the
 * next. Without one: its most anomalous resource (when it names one), part of its service, which
 * is called by the next service of the path, and so on to the symptom's service.
 */
export function causalChain(c: Candidate, symptomService?: string): CausalChain {
  const nodes: PathNode[] = [];
  const edges: string[] = [];
  const ids = c.causalPath ?? [];
  if (ids.length > 1) {
    ids.forEach((id, i) => {
      if (i > 0) edges.push(relationWord(ids[i - 1] as string, id));
      const last = i === ids.length - 1;
      nodes.push({
        label: id,
        kind: "resource",
        cause: i === 0,
        symptom: last && id.startsWith("service/") && id.endsWith(`/${symptomService}`),
      });
    });
    return { nodes, edges };
  }
  if (c.resource) {
    nodes.push({
      label: c.resource,
      kind: "resource",
      cause: false,
      symptom: false,
      role: "its most anomalous resource",
    });
    edges.push("part of");
  }
  const path = c.path.length > 0 ? c.path : [c.service];
  path.forEach((service, i) => {
    if (i > 0) edges.push("called by");
    nodes.push({
      label: service,
      kind: "service",
      cause: i === 0,
      symptom: i === path.length - 1 && service === symptomService,
    });
  });
  return { nodes, edges };
}
