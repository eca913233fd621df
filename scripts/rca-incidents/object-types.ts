/** The shapes of the object fields the incidents change: statuses, conditions, endpoints. */
import type { KubeObject } from "./timeline.ts";

/** What the incidents need of an Online Boutique workload. */
export interface AppSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly port: number;
  /** The Service's port when it is not the container's (the frontend serves 80 → 8080). */
  readonly servicePort?: number;
  readonly portName: "grpc" | "http" | "tcp-redis";
  readonly container: string;
  readonly replicas: number;
  readonly clusterIP: string;
  readonly cpu: readonly [request: string, limit: string];
  readonly memory: readonly [request: string, limit: string];
  readonly env: readonly { name: string; value: string }[];
  /** A ConfigMap mounted as a volume, when the app reads one. */
  readonly configMap?: { readonly name: string; readonly mountPath: string };
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime: string;
  lastProbeTime?: null;
  lastHeartbeatTime?: string;
  lastUpdateTime?: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  state: {
    running?: { startedAt: string };
    waiting?: { reason: string; message?: string };
    terminated?: Termination;
  };
  lastState: { terminated?: Termination };
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface Termination {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

export interface PodStatus {
  phase: string;
  conditions: Condition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime: string;
  containerStatuses: ContainerStatus[];
  qosClass: string;
}

export interface WorkloadStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  fullyLabeledReplicas?: number;
  conditions?: Condition[];
}

export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
  nodeName: string;
  zone: string;
}

export const podStatusOf = (pod: KubeObject): PodStatus => pod.status as PodStatus;
export const workloadStatusOf = (o: KubeObject): WorkloadStatus => o.status as WorkloadStatus;
export const endpointsOf = (slice: KubeObject): Endpoint[] => slice.endpoints as Endpoint[];
export const templateOf = (o: KubeObject) =>
  (
    o.spec as {
      template: {
        metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
        spec: { containers: { image: string }[] };
      };
    }
  ).template;
