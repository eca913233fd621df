import type { ResourceKind } from "../model.ts";

/** The Kubernetes kinds the graph builder reads, by their API `kind`, and their graph kind. */
export const KUBE_KINDS = {
  Pod: "pod",
  Deployment: "deployment",
  ReplicaSet: "replicaset",
  StatefulSet: "statefulset",
  DaemonSet: "daemonset",
  Job: "job",
  CronJob: "cronjob",
  Service: "service",
  EndpointSlice: "endpointslice",
  Node: "node",
  ConfigMap: "configmap",
  Secret: "secret",
  PersistentVolumeClaim: "persistentvolumeclaim",
  Ingress: "ingress",
  HorizontalPodAutoscaler: "horizontalpodautoscaler",
} as const satisfies Record<string, ResourceKind>;

/** A Kubernetes `kind` the builder stores as a resource. */
export type KubeKind = keyof typeof KUBE_KINDS;

/** Kinds without a namespace (of those the builder reads). */
const CLUSTER_SCOPED = new Set<string>(["Node"]);

export function isKubeKind(kind: unknown): kind is KubeKind {
  return typeof kind === "string" && Object.hasOwn(KUBE_KINDS, kind);
}

/**
 * The graph id of an object: `<kind>/<namespace>/<name>`, or `<kind>/<name>` for cluster-scoped
 * kinds (`node/worker-1`). Kinds the builder does not store (a ControllerRevision owner, say) get
 * their lower-cased API kind, so an edge to them still has a stable end.
 */
export function resourceId(kind: string, namespace: string | undefined, name: string): string {
  const k = isKubeKind(kind) ? KUBE_KINDS[kind] : kind.toLowerCase();
  return CLUSTER_SCOPED.has(kind) || namespace === undefined
    ? `${k}/${name}`
    : `${k}/${namespace}/${name}`;
}

export function isClusterScoped(kind: KubeKind): boolean {
  return CLUSTER_SCOPED.has(kind);
}
