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
  /** The candidate's resource (a pod), or a service. */
  kind: "resource" | "service";
  /** The candidate's service: where the fault is. */
  cause: boolean;
  /** The symptom's service: where it shows. */
  symptom: boolean;
}

/** A drawn path: its nodes in order, and the relation from each to the next. */
export interface CausalChain {
  nodes: PathNode[];
  /** `edges[i]` joins `nodes[i]` to `nodes[i + 1]`. */
  edges: string[];
}

/**
 * The chain a candidate's answer describes, from the cause to the symptom: its most anomalous
 * resource (when it names one), part of its service, which is called by the next service of the
 * path, and so on to the symptom's service (the last, when the query named it).
 */
export function causalChain(c: Candidate, symptomService?: string): CausalChain {
  const nodes: PathNode[] = [];
  const edges: string[] = [];
  if (c.resource) {
    nodes.push({ label: c.resource, kind: "resource", cause: false, symptom: false });
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
