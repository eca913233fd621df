/** A kind the state watcher follows: its API group version, kind and plural (its URL path). */
export interface WatchedKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
}

/** The resources the state watcher lists and watches (issue 15 §1), cluster-wide. */
export const WATCHED_KINDS: readonly WatchedKind[] = [
  { apiVersion: "v1", kind: "Pod", plural: "pods" },
  { apiVersion: "v1", kind: "Service", plural: "services" },
  { apiVersion: "v1", kind: "Node", plural: "nodes" },
  { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps" },
  { apiVersion: "v1", kind: "Secret", plural: "secrets" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims" },
  { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments" },
  { apiVersion: "apps/v1", kind: "ReplicaSet", plural: "replicasets" },
  { apiVersion: "apps/v1", kind: "StatefulSet", plural: "statefulsets" },
  { apiVersion: "apps/v1", kind: "DaemonSet", plural: "daemonsets" },
  { apiVersion: "batch/v1", kind: "Job", plural: "jobs" },
  { apiVersion: "batch/v1", kind: "CronJob", plural: "cronjobs" },
  { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", plural: "endpointslices" },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress", plural: "ingresses" },
  {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    plural: "horizontalpodautoscalers",
  },
];

/** Core/v1 Events: the agent's event exporter watches them beside the state. */
export const EVENT_KIND: WatchedKind = { apiVersion: "v1", kind: "Event", plural: "events" };

/** `/api/v1/pods`, `/apis/apps/v1/deployments`: where a kind is listed and watched cluster-wide. */
export function pathOf(k: WatchedKind): string {
  return k.apiVersion.includes("/")
    ? `/apis/${k.apiVersion}/${k.plural}`
    : `/api/${k.apiVersion}/${k.plural}`;
}
