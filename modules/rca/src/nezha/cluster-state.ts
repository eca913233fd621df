import { serviceOfPod } from "../ingest/remote-write.ts";
import type { NezhaDay } from "./load-day.ts";

/** A Kubernetes watch event as the state watcher sends it (`{type, object}`). */
export interface WatchEvent {
  readonly type: "ADDED";
  readonly object: Record<string, unknown>;
}

/**
 * The day's cluster as the state watcher would send it, reduced to what Nezha records: a Running
 * pod per metric file (label `app` = its service, the pod name without its ReplicaSet and pod
 * suffixes) and a Service per service selecting `app`, all created at `at` (epoch ms), in
 * `namespace` (default `default`, as the metrics' labels say).
 */
export function nezhaWatchEvents(day: NezhaDay, at: number, namespace = "default"): WatchEvent[] {
  const created = new Date(at).toISOString();
  const meta = (kind: string, name: string, labels: Record<string, string>) => ({
    name,
    namespace,
    uid: `nezha-${day.day}-${kind}-${name}`,
    resourceVersion: "1",
    creationTimestamp: created,
    labels,
  });
  const services = [...new Set(day.pods.map(serviceOfPod))].sort();
  return [
    ...services.map(
      (service): WatchEvent => ({
        type: "ADDED",
        object: {
          apiVersion: "v1",
          kind: "Service",
          metadata: meta("service", service, {}),
          spec: { selector: { app: service } },
        },
      }),
    ),
    ...day.pods.map(
      (pod): WatchEvent => ({
        type: "ADDED",
        object: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: meta("pod", pod, { app: serviceOfPod(pod) }),
          spec: { containers: [{ name: serviceOfPod(pod) }] },
          status: { phase: "Running" },
        },
      }),
    ),
  ];
}
