import type {
  V1ContainerStatus,
  V1CronJob,
  V1Deployment,
  V1EndpointSlice,
  V1HorizontalPodAutoscaler,
  V1Ingress,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1Service,
} from "@kubernetes/client-node";
import type { RelationType, ResourceKind } from "../model.ts";
import { CONTENT_DIGEST } from "./content-digest.ts";
import { isClusterScoped, KUBE_KINDS, type KubeKind, resourceId } from "./kinds.ts";

/** A container's state, as much of it as state-change events need. */
export interface ContainerSummary {
  readonly name: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly state: "running" | "waiting" | "terminated" | "unknown";
  /** The waiting or terminated reason (`CrashLoopBackOff`, `OOMKilled`, …). */
  readonly reason?: string;
  /** The last termination (`lastState.terminated`, else the current one): reason and end. */
  readonly lastTermination?: {
    readonly reason?: string;
    readonly exitCode?: number;
    readonly finishedAt?: string;
  };
  readonly image?: string;
}

/** The small status summary kept with a resource (`rca_resources.status`). */
export interface StatusSummary {
  readonly phase?: string;
  /** Condition type → status (`Ready: "False"`). */
  readonly conditions?: Readonly<Record<string, string>>;
  /** When the Ready (or Available) condition last changed, ISO 8601. */
  readonly readySince?: string;
  readonly containers?: readonly ContainerSummary[];
  readonly replicas?: number;
  readonly available?: number;
  readonly unavailable?: number;
  readonly observedGeneration?: number;
  /**
   * A workload's pod-template revision: a Deployment's `deployment.kubernetes.io/revision`
   * annotation, a StatefulSet's `status.updateRevision`, a DaemonSet's
   * `deprecated.daemonset.template.generation` annotation. It changes on a rollout only (not on
   * scaling).
   */
  readonly revision?: string;
  /** A workload's pod-template images (init containers first). */
  readonly images?: readonly string[];
  /** A ConfigMap's or Secret's content digest (`CONTENT_DIGEST`), when its sender gave one. */
  readonly contentDigest?: string;
}

/** A resource as the graph stores it. */
export interface ResourceRow {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly namespace?: string;
  readonly name: string;
  readonly service?: string;
  readonly uid?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** A Service's pod selector. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly status: StatusSummary;
  readonly resourceVersion?: string;
}

/** An edge an object asserts about itself (its owners, its node, what it mounts, …). */
export interface EdgeRow {
  readonly type: RelationType;
  readonly from: string;
  readonly to: string;
  readonly weight: number;
}

/** What one Kubernetes object says: its resource row and the edges it asserts. */
export interface Described {
  readonly resource: ResourceRow;
  readonly edges: readonly EdgeRow[];
}

/** An object whose shape the builder refuses, with why. */
export class MalformedObject extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A string map (labels, a selector), or an error naming the field. */
function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new MalformedObject(`${field} is not an object`);
  for (const [k, x] of Object.entries(v))
    if (typeof x !== "string") throw new MalformedObject(`${field}.${k} is not a string`);
  return v as Record<string, string>;
}

/** A time field: JSON carries strings, the client's types say Date. */
export function isoOf(v: Date | string | null | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const list = <T>(v: readonly T[] | undefined | null): readonly T[] => (Array.isArray(v) ? v : []);

/**
 * The checked metadata of an object of a known kind.
 * @throws MalformedObject when the name, namespace, labels or owner references are missing or of
 *   the wrong type.
 */
export function checkedMeta(
  kind: KubeKind,
  obj: Record<string, unknown>,
): V1ObjectMeta & { name: string } {
  const meta = obj.metadata;
  if (!isRecord(meta)) throw new MalformedObject("metadata is missing");
  if (typeof meta.name !== "string" || meta.name === "")
    throw new MalformedObject("metadata.name is missing");
  if (!isClusterScoped(kind) && (typeof meta.namespace !== "string" || meta.namespace === ""))
    throw new MalformedObject("metadata.namespace is missing");
  stringMap(meta.labels, "metadata.labels");
  if (meta.ownerReferences !== undefined && !Array.isArray(meta.ownerReferences))
    throw new MalformedObject("metadata.ownerReferences is not a list");
  for (const o of list(meta.ownerReferences as unknown[]))
    if (!isRecord(o) || typeof o.kind !== "string" || typeof o.name !== "string")
      throw new MalformedObject("an owner reference has no kind or name");
  if (meta.resourceVersion !== undefined && typeof meta.resourceVersion !== "string")
    throw new MalformedObject("metadata.resourceVersion is not a string");
  return meta as unknown as V1ObjectMeta & { name: string };
}

/**
 * Describes one object of a known kind: its resource row (id, service, labels, status summary)
 * and the edges it asserts: CONTROLS from its controller owner (OWNS from other owners), and per
 * kind RUNS_ON and MOUNTS (Pod), SELECTS (EndpointSlice), ROUTES_TO (Ingress), CONTROLS (HPA to
 * its scale target). A Service's SELECTS come from its selector, matched in the store.
 * Secrets and ConfigMaps: metadata only (their `data` is never read).
 * @throws MalformedObject for a shape the builder cannot read.
 */
export function describe(kind: KubeKind, obj: Record<string, unknown>): Described {
  const meta = checkedMeta(kind, obj);
  const namespace = isClusterScoped(kind) ? undefined : (meta.namespace as string);
  const id = resourceId(kind, namespace, meta.name);
  const labels = stringMap(meta.labels, "metadata.labels");
  const edges: EdgeRow[] = [];
  const edge = (type: RelationType, from: string, to: string, weight = 1) =>
    edges.push({ type, from, to, weight });
  let controller: { kind: string; name: string } | undefined;
  for (const o of list(meta.ownerReferences)) {
    edge(o.controller ? "CONTROLS" : "OWNS", resourceId(o.kind, namespace, o.name), id);
    if (o.controller) controller = { kind: o.kind, name: o.name };
  }

  let status: StatusSummary = {};
  let selector: Record<string, string> | undefined;
  const ns = namespace as string;
  switch (kind) {
    case "Pod": {
      const pod = obj as unknown as V1Pod;
      if (pod.spec?.nodeName) edge("RUNS_ON", id, resourceId("Node", undefined, pod.spec.nodeName));
      for (const target of podMounts(pod))
        edge("MOUNTS", id, resourceId(target.kind, ns, target.name));
      status = podStatus(pod);
      break;
    }
    case "Node":
      status = nodeStatus(obj as unknown as V1Node);
      break;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
      status = workloadStatus(kind, obj as unknown as V1Deployment);
      break;
    case "Job": {
      const s = (
        obj as unknown as { status?: { active?: number; succeeded?: number; failed?: number } }
      ).status;
      status = {
        replicas: s?.active ?? 0,
        available: s?.succeeded ?? 0,
        unavailable: s?.failed ?? 0,
      };
      break;
    }
    case "CronJob":
      status = { replicas: list((obj as unknown as V1CronJob).status?.active).length };
      break;
    case "Service": {
      const spec = (obj as unknown as V1Service).spec;
      if (spec?.selector !== undefined) selector = stringMap(spec.selector, "spec.selector");
      break;
    }
    case "EndpointSlice": {
      const slice = obj as unknown as V1EndpointSlice;
      const service = labels["kubernetes.io/service-name"];
      if (service)
        for (const e of list(slice.endpoints))
          if (e.targetRef?.kind === "Pod" && e.targetRef.name)
            edge(
              "SELECTS",
              resourceId("Service", ns, service),
              resourceId("Pod", e.targetRef.namespace ?? ns, e.targetRef.name),
            );
      break;
    }
    case "Ingress":
      for (const s of ingressBackends(obj as unknown as V1Ingress))
        edge("ROUTES_TO", id, resourceId("Service", ns, s));
      break;
    case "HorizontalPodAutoscaler": {
      const hpa = obj as unknown as V1HorizontalPodAutoscaler;
      const t = hpa.spec?.scaleTargetRef;
      if (t?.kind && t.name) edge("CONTROLS", id, resourceId(t.kind, ns, t.name));
      status = { replicas: hpa.status?.currentReplicas, available: hpa.status?.desiredReplicas };
      break;
    }
    case "PersistentVolumeClaim":
      status = { phase: (obj as unknown as { status?: { phase?: string } }).status?.phase };
      break;
    case "ConfigMap":
    case "Secret": {
      // The contents themselves are never read: their digest, to tell an edit from metadata churn.
      const digest = meta.annotations?.[CONTENT_DIGEST];
      if (digest) status = { contentDigest: digest };
      break;
    }
  }
  const resource: ResourceRow = {
    id,
    kind: KUBE_KINDS[kind],
    ...(namespace !== undefined ? { namespace } : {}),
    name: meta.name,
    ...optional("service", serviceOf(kind, meta.name, labels, controller)),
    ...optional("uid", meta.uid),
    labels,
    ...(selector !== undefined ? { selector } : {}),
    status: JSON.parse(JSON.stringify(status)) as StatusSummary,
    ...optional("resourceVersion", meta.resourceVersion),
  };
  return { resource, edges: dedupEdges(edges) };
}

function optional<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}

function dedupEdges(edges: EdgeRow[]): EdgeRow[] {
  const seen = new Map<string, EdgeRow>();
  for (const e of edges) seen.set(`${e.type}\u0000${e.from}\u0000${e.to}`, e);
  return [...seen.values()];
}

/**
 * The workload a resource belongs to: a Deployment's name for its ReplicaSets and their pods
 * (the ReplicaSet's name without its pod-template-hash), the controller's name for the pods of a
 * StatefulSet, DaemonSet or Job, the object's own name for workloads and Services; else the
 * `app.kubernetes.io/name` or `app` label.
 */
export function serviceOf(
  kind: KubeKind,
  name: string,
  labels: Readonly<Record<string, string>>,
  controller?: { kind: string; name: string },
): string | undefined {
  const hash = labels["pod-template-hash"];
  const stripHash = (n: string) =>
    hash && n.endsWith(`-${hash}`) ? n.slice(0, -hash.length - 1) : n;
  if (kind === "Pod" && controller) {
    if (controller.kind === "ReplicaSet") return stripHash(controller.name);
    return controller.name;
  }
  if (kind === "ReplicaSet")
    return controller?.kind === "Deployment" ? controller.name : stripHash(name);
  if (["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Service"].includes(kind)) return name;
  if (kind === "Job" && controller) return controller.name;
  return labels["app.kubernetes.io/name"] ?? labels.app ?? (kind === "Job" ? name : undefined);
}

function podMounts(pod: V1Pod): { kind: string; name: string }[] {
  const out: { kind: string; name: string }[] = [];
  for (const v of list(pod.spec?.volumes)) {
    if (v.configMap?.name) out.push({ kind: "ConfigMap", name: v.configMap.name });
    if (v.secret?.secretName) out.push({ kind: "Secret", name: v.secret.secretName });
    if (v.persistentVolumeClaim?.claimName)
      out.push({ kind: "PersistentVolumeClaim", name: v.persistentVolumeClaim.claimName });
    for (const s of list(v.projected?.sources)) {
      if (s.configMap?.name) out.push({ kind: "ConfigMap", name: s.configMap.name });
      if (s.secret?.name) out.push({ kind: "Secret", name: s.secret.name });
    }
  }
  for (const c of [...list(pod.spec?.initContainers), ...list(pod.spec?.containers)]) {
    for (const e of list(c.envFrom)) {
      if (e.configMapRef?.name) out.push({ kind: "ConfigMap", name: e.configMapRef.name });
      if (e.secretRef?.name) out.push({ kind: "Secret", name: e.secretRef.name });
    }
    for (const e of list(c.env)) {
      const ref = e.valueFrom;
      if (ref?.configMapKeyRef?.name)
        out.push({ kind: "ConfigMap", name: ref.configMapKeyRef.name });
      if (ref?.secretKeyRef?.name) out.push({ kind: "Secret", name: ref.secretKeyRef.name });
    }
  }
  return out;
}

function ingressBackends(ing: V1Ingress): string[] {
  const out: string[] = [];
  const d = ing.spec?.defaultBackend?.service?.name;
  if (d) out.push(d);
  for (const r of list(ing.spec?.rules))
    for (const p of list(r.http?.paths))
      if (p.backend?.service?.name) out.push(p.backend.service.name);
  return out;
}

function conditionsOf(
  conditions:
    | readonly { type: string; status: string; lastTransitionTime?: Date | string }[]
    | undefined,
  readyType: string,
): Pick<StatusSummary, "conditions" | "readySince"> {
  const list_ = list(conditions);
  if (list_.length === 0) return {};
  const ready = list_.find((c) => c.type === readyType);
  const since = isoOf(ready?.lastTransitionTime);
  return {
    conditions: Object.fromEntries(list_.map((c) => [c.type, c.status])),
    ...(since ? { readySince: since } : {}),
  };
}

function containerSummary(c: V1ContainerStatus): ContainerSummary {
  const s = c.state;
  const state = s?.running
    ? "running"
    : s?.waiting
      ? "waiting"
      : s?.terminated
        ? "terminated"
        : "unknown";
  const reason = s?.waiting?.reason ?? s?.terminated?.reason;
  const last = c.lastState?.terminated ?? s?.terminated;
  return {
    name: c.name,
    ready: c.ready === true,
    restarts: typeof c.restartCount === "number" ? c.restartCount : 0,
    state,
    ...(reason ? { reason } : {}),
    ...(last
      ? {
          lastTermination: {
            ...(last.reason ? { reason: last.reason } : {}),
            ...(typeof last.exitCode === "number" ? { exitCode: last.exitCode } : {}),
            ...optional("finishedAt", isoOf(last.finishedAt)),
          },
        }
      : {}),
    ...(c.image ? { image: c.image } : {}),
  };
}

function podStatus(pod: V1Pod): StatusSummary {
  const st = pod.status;
  const containers = [...list(st?.initContainerStatuses), ...list(st?.containerStatuses)].map(
    containerSummary,
  );
  return {
    ...(st?.phase ? { phase: st.phase } : {}),
    ...conditionsOf(st?.conditions, "Ready"),
    ...(containers.length > 0 ? { containers } : {}),
  };
}

function nodeStatus(node: V1Node): StatusSummary {
  return conditionsOf(node.status?.conditions, "Ready");
}

/** The annotation or status field that names a workload's pod-template revision, per kind. */
function revisionOf(kind: KubeKind, obj: V1Deployment): string | undefined {
  const annotations = obj.metadata?.annotations ?? {};
  const v =
    kind === "Deployment"
      ? annotations["deployment.kubernetes.io/revision"]
      : kind === "DaemonSet"
        ? annotations["deprecated.daemonset.template.generation"]
        : kind === "StatefulSet"
          ? (obj.status as { updateRevision?: unknown } | undefined)?.updateRevision
          : undefined;
  return typeof v === "string" && v !== "" ? v : undefined;
}

function templateOf(kind: KubeKind, obj: V1Deployment): Pick<StatusSummary, "revision" | "images"> {
  if (kind === "ReplicaSet") return {};
  const spec = obj.spec?.template?.spec;
  const images = [...list(spec?.initContainers), ...list(spec?.containers)]
    .map((c) => c.image)
    .filter((i): i is string => typeof i === "string");
  const revision = revisionOf(kind, obj);
  return {
    ...(revision !== undefined ? { revision } : {}),
    ...(images.length > 0 ? { images } : {}),
  };
}

function workloadStatus(kind: KubeKind, obj: V1Deployment): StatusSummary {
  return { ...replicaStatus(kind, obj), ...templateOf(kind, obj) };
}

function replicaStatus(kind: KubeKind, obj: V1Deployment): StatusSummary {
  const s = obj.status as
    | (V1Deployment["status"] & {
        currentNumberScheduled?: number;
        numberUnavailable?: number;
        numberAvailable?: number;
      })
    | undefined;
  if (!s) return {};
  const ds = kind === "DaemonSet";
  const replicas = ds ? s.currentNumberScheduled : s.replicas;
  const available = ds ? s.numberAvailable : (s.availableReplicas ?? s.readyReplicas);
  const unavailable = ds ? s.numberUnavailable : s.unavailableReplicas;
  return {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(available !== undefined ? { available } : {}),
    ...(unavailable !== undefined ? { unavailable } : {}),
    ...(s.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
    ...conditionsOf(s.conditions, "Available"),
  };
}
