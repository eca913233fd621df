import type { ResourceEvent } from "../model.ts";

/**
 * How a failure shows, most telling first: a node not ready, an image that cannot be pulled, a
 * container killed for memory, a configuration the container cannot start with, a container that
 * exits and restarts; `error` is a soft sign (log error bursts, failing probes, other Warnings)
 * that a failing dependency explains as well as a fault of its own.
 */
export const FAILURE_CLASSES = ["node", "image", "memory", "config", "crash", "error"] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** A change that can cause failures downstream: a ConfigMap/Secret edit or a workload rollout. */
export type ChangeKind = "config" | "rollout";

/** What one event says, for the event-based ranking. */
export type EventFact =
  | { readonly role: "failure"; readonly class: FailureClass; readonly weight: number }
  | { readonly role: "change"; readonly change: ChangeKind }
  | { readonly role: "none" };

const NONE: EventFact = { role: "none" };
const failure = (cls: FailureClass, weight: number): EventFact => ({
  role: "failure",
  class: cls,
  weight,
});

/** Weight of a failure by severity: critical state changes count fully, Warnings half. */
const WEIGHT = { critical: 1, warning: 0.5, info: 0.5 } as const;
/** A soft sign (error bursts, probes) counts a quarter. */
const SOFT = 0.25;

const STATE_FAILURES: Readonly<Record<string, FailureClass>> = {
  OOMKilled: "memory",
  CrashLoopBackOff: "crash",
  ImagePullBackOff: "image",
  ErrImagePull: "image",
  CreateContainerConfigError: "config",
  NodeNotReady: "node",
};

/**
 * The role of one event in the event-based ranking: a failure (its class and weight), a change, or
 * nothing (a recovery, a Normal event, a workload's unavailable replicas, which only sum up its
 * pods' failures). Kubernetes reasons are read as the kubelet and controllers emit them:
 * `BackOff` and `Failed` name an image pull or a crashing container by their message, the node
 * controller's `NodeNotReady` is a node failure (on the node, `Normal`; on its pods, `Warning`).
 */
export function factOf(e: ResourceEvent): EventFact {
  const kind = e.resource.slice(0, e.resource.indexOf("/"));
  if (e.kind === "log_burst") return failure("error", e.severity === "critical" ? 0.5 : SOFT);
  if (e.kind === "state_change") {
    if (e.reason === "ConfigUpdated") return { role: "change", change: "config" };
    if (e.reason === "RolloutStarted") return { role: "change", change: "rollout" };
    if (e.reason === "Restarted") return failure("crash", WEIGHT.warning);
    const cls = STATE_FAILURES[e.reason];
    return cls ? failure(cls, WEIGHT[e.severity]) : NONE;
  }
  if (e.reason === "NodeNotReady") return failure("node", kind === "node" ? 1 : WEIGHT.warning);
  if (e.severity !== "warning") return NONE;
  const pull = /pull(ing)? image|ImagePull|ErrImage/i.test(e.message);
  switch (e.reason) {
    case "BackOff":
    case "Failed":
      if (pull) return failure("image", WEIGHT.warning);
      if (/CreateContainerConfigError|configmap|secret/i.test(e.message))
        return failure("config", WEIGHT.warning);
      return failure("crash", WEIGHT.warning);
    case "OOMKilling":
      return failure("memory", WEIGHT.warning);
    case "FailedMount":
      return failure("config", WEIGHT.warning);
    default:
      return failure("error", SOFT);
  }
}

/** Whether a failure of this class is hard (explains itself) rather than a soft sign. */
export const isHard = (cls: FailureClass): boolean => cls !== "error";

/**
 * Whether a change of this kind can cause a failure of this class: a rollout anything but a node
 * failure, a ConfigMap or Secret edit anything but an image pull or a node failure.
 */
export function compatible(change: ChangeKind, cls: FailureClass): boolean {
  if (cls === "node") return false;
  return change === "rollout" || cls !== "image";
}

/** The most telling class of several (the first in {@link FAILURE_CLASSES}). */
export function worstClass(classes: Iterable<FailureClass>): FailureClass | undefined {
  const seen = new Set(classes);
  return FAILURE_CLASSES.find((c) => seen.has(c));
}
