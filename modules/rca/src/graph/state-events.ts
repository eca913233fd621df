import type { CoreV1Event } from "@kubernetes/client-node";
import type { EventSeverity } from "../model.ts";
import type { ResourceRow, StatusSummary } from "./describe.ts";
import { isoOf, MalformedObject } from "./describe.ts";
import { resourceId } from "./kinds.ts";

/** Where an event came from. */
export type EventKind = "k8s_event" | "state_change" | "metric_anomaly" | "log_burst";

/** Something that happened to a resource (`rca_events`). */
export interface EventRow {
  /** The same happening always gets the same key: recording it again is a no-op. */
  readonly dedupKey: string;
  readonly resourceId: string;
  readonly kind: EventKind;
  readonly reason: string;
  readonly severity: EventSeverity;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly occurredAt: string;
}

/** Waiting reasons that mean a container cannot start. */
const WAITING_FAULTS: Readonly<Record<string, EventSeverity>> = {
  CrashLoopBackOff: "critical",
  ImagePullBackOff: "critical",
  ErrImagePull: "warning",
  CreateContainerConfigError: "critical",
};

/**
 * The state changes between a resource's stored summary (`prev`, undefined when first seen) and
 * its new one: a container OOMKilled (its current or last termination), waiting in
 * CrashLoopBackOff / ImagePullBackOff / ErrImagePull / CreateContainerConfigError, restarted
 * (restart count above the stored one); a node's Ready turning False or Unknown (and back);
 * a workload's unavailable replicas rising; changes: a workload rolling out a new pod-template
 * revision (`RolloutStarted`, with its images), a ConfigMap or Secret modified (`ConfigUpdated`:
 * only its metadata is read, never its data). Keys name the object's uid and what identifies the
 * happening (termination time, restart count, transition time), so seeing the same state again
 * gives the same key. `at` (ISO) dates changes whose object carries no time.
 */
export function stateEvents(
  prev: StatusSummary | undefined,
  r: ResourceRow,
  at: string,
): EventRow[] {
  const out: EventRow[] = [];
  const who = r.uid ?? r.id;
  const push = (
    key: string,
    reason: string,
    severity: EventSeverity,
    message: string,
    data: Record<string, unknown>,
    occurredAt = at,
  ) =>
    out.push({
      dedupKey: `state|${who}|${key}`,
      resourceId: r.id,
      kind: "state_change",
      reason,
      severity,
      message,
      data,
      occurredAt,
    });
  const s = r.status;
  if (r.kind === "pod") {
    for (const c of s.containers ?? []) {
      const before = prev?.containers?.find((p) => p.name === c.name);
      const term = c.lastTermination;
      if (term?.reason === "OOMKilled")
        push(
          `${c.name}|OOMKilled|${term.finishedAt ?? c.restarts}`,
          "OOMKilled",
          "critical",
          `container ${c.name} was OOMKilled (exit code ${term.exitCode ?? "?"})`,
          { container: c.name, exitCode: term.exitCode, restarts: c.restarts },
          term.finishedAt ?? at,
        );
      const severity = c.state === "waiting" && c.reason ? WAITING_FAULTS[c.reason] : undefined;
      if (severity && c.reason)
        push(
          `${c.name}|${c.reason}|${c.restarts}`,
          c.reason,
          severity,
          `container ${c.name} is waiting: ${c.reason}`,
          { container: c.name, restarts: c.restarts, image: c.image },
        );
      if (c.restarts > (before?.restarts ?? 0))
        push(
          `${c.name}|Restarted|${c.restarts}`,
          "Restarted",
          "warning",
          `container ${c.name} restarted (${before?.restarts ?? 0} → ${c.restarts})`,
          {
            container: c.name,
            from: before?.restarts ?? 0,
            to: c.restarts,
            lastReason: term?.reason,
          },
          term?.finishedAt ?? at,
        );
    }
  }
  if (r.kind === "node") {
    const ready = s.conditions?.Ready;
    const wasReady = prev?.conditions?.Ready;
    if (ready === "False" || ready === "Unknown")
      push(
        `NodeNotReady|${s.readySince ?? ready}`,
        "NodeNotReady",
        "critical",
        `node ${r.name} is not ready (Ready=${ready})`,
        { ready, was: wasReady },
        s.readySince ?? at,
      );
    else if (ready === "True" && (wasReady === "False" || wasReady === "Unknown"))
      push(
        `NodeReady|${s.readySince ?? at}`,
        "NodeReady",
        "info",
        `node ${r.name} is ready again`,
        { was: wasReady },
        s.readySince ?? at,
      );
  }
  if (["deployment", "statefulset", "daemonset"].includes(r.kind)) {
    const was = prev?.revision;
    if (was !== undefined && s.revision !== undefined && s.revision !== was)
      push(
        `Rollout|${s.revision}`,
        "RolloutStarted",
        "info",
        `${r.kind} ${r.name} rolled out revision ${s.revision} (was ${was})${s.images ? `: ${s.images.join(", ")}` : ""}`,
        {
          revision: s.revision,
          previousRevision: was,
          ...(s.images ? { images: s.images } : {}),
          ...(prev?.images && prev.images.join() !== s.images?.join()
            ? { previousImages: prev.images }
            : {}),
        },
      );
    const now = s.unavailable ?? 0;
    if (now > 0 && now > (prev?.unavailable ?? 0))
      push(
        `Unavailable|${s.observedGeneration ?? ""}|${now}`,
        "ReplicasUnavailable",
        "warning",
        `${r.kind} ${r.name} has ${now} unavailable replica(s) of ${s.replicas ?? "?"}`,
        { unavailable: now, replicas: s.replicas, available: s.available },
      );
  }
  // Contents changed: by their digest when both versions carry one (a lease renewed in an
  // annotation is no edit), else by any new version (a sender that sends no digest).
  const edited =
    prev?.contentDigest !== undefined && r.status.contentDigest !== undefined
      ? prev.contentDigest !== r.status.contentDigest
      : true;
  if ((r.kind === "configmap" || r.kind === "secret") && prev !== undefined && edited)
    push(
      `Updated|${r.resourceVersion ?? at}`,
      "ConfigUpdated",
      "info",
      `${r.kind} ${r.name} changed (resourceVersion ${r.resourceVersion ?? "?"})`,
      { resourceVersion: r.resourceVersion },
    );
  return out;
}

/**
 * A core/v1 Event (or events.k8s.io/v1: `regarding`, `note`) as an event on its involved
 * object; the key is the Event's uid and count, so its updates are new rows only when it recurs.
 * @throws MalformedObject without an involved object.
 */
export function kubeEvent(obj: Record<string, unknown>, at: string): EventRow {
  const e = obj as unknown as CoreV1Event & {
    regarding?: CoreV1Event["involvedObject"];
    note?: string;
    deprecatedCount?: number;
  };
  const target = e.involvedObject ?? e.regarding;
  if (!target || typeof target.kind !== "string" || typeof target.name !== "string")
    throw new MalformedObject("event has no involvedObject kind and name");
  const meta = e.metadata ?? {};
  const count = e.count ?? e.deprecatedCount ?? e.series?.count ?? 1;
  const occurredAt =
    isoOf(e.lastTimestamp) ??
    isoOf(e.series?.lastObservedTime as Date | undefined) ??
    isoOf(e.eventTime as Date | undefined) ??
    isoOf(e.firstTimestamp) ??
    isoOf(meta.creationTimestamp) ??
    at;
  return {
    dedupKey: `k8s|${meta.uid ?? `${meta.namespace}/${meta.name}`}|${count}`,
    resourceId: resourceId(
      target.kind,
      target.kind === "Node" ? undefined : (target.namespace ?? meta.namespace),
      target.name,
    ),
    kind: "k8s_event",
    reason: e.reason ?? "",
    severity: e.type === "Warning" ? "warning" : "info",
    message: e.message ?? e.note ?? "",
    data: {
      count,
      ...(target.fieldPath ? { fieldPath: target.fieldPath } : {}),
      ...(e.source?.component || e.reportingComponent
        ? { component: e.source?.component ?? e.reportingComponent }
        : {}),
    },
    occurredAt,
  };
}
