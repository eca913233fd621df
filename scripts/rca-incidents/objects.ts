/**
 * Kubernetes objects in the shapes the API server (v1.30) returns them, field by field as in the
 * API reference and `@kubernetes/client-node`'s V1 types: Nodes, Deployments, ReplicaSets, Pods,
 * Services, EndpointSlices, ConfigMaps.
 */
import { type KubeObject, type Meta, plus, type Timeline } from "./timeline.ts";

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

const hex = (tl: Timeline, n: number) =>
  Array.from({ length: n }, () => Math.floor(tl.random() * 16).toString(16)).join("");

/** A digest-pinned image id and a containerd container id. */
export const imageIdOf = (tl: Timeline, image: string) =>
  `${image.split(":")[0]}@sha256:${hex(tl, 64)}`;
export const containerIdOf = (tl: Timeline) => `containerd://${hex(tl, 64)}`;

/** Metadata in the order the API server writes its fields. */
function meta(tl: Timeline, name: string, createdAt: string, more: Partial<Meta> = {}): Meta {
  const m: Meta = {
    name,
    ...(more.generateName ? { generateName: more.generateName } : {}),
    ...(more.namespace ? { namespace: more.namespace } : {}),
    uid: tl.uid(),
    resourceVersion: "0",
    ...(more.generation ? { generation: more.generation } : {}),
    creationTimestamp: createdAt,
  };
  if (more.labels) m.labels = more.labels;
  if (more.annotations) m.annotations = more.annotations;
  if (more.ownerReferences) m.ownerReferences = more.ownerReferences;
  return m;
}

const owner = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

/** An EKS worker node, Ready since `readySince`. */
export function nodeObject(
  tl: Timeline,
  name: string,
  ip: string,
  zone: string,
  createdAt: string,
  heartbeat: string,
): KubeObject {
  const since = createdAt;
  const condition = (type: string, reason: string, message: string): Condition => ({
    type,
    status: type === "Ready" ? "True" : "False",
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: since,
    reason,
    message,
  });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: meta(tl, name, createdAt, {
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m5.large",
        "beta.kubernetes.io/os": "linux",
        "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "eks.amazonaws.com/nodegroup": "boutique-ng-1",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m5.large",
        "topology.kubernetes.io/region": "us-east-2",
        "topology.kubernetes.io/zone": zone,
      },
      annotations: {
        "alpha.kubernetes.io/provided-node-ip": ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    }),
    spec: { providerID: `aws:///${zone}/i-0${hex(tl, 16)}` },
    status: {
      capacity: {
        cpu: "2",
        "ephemeral-storage": "83873772Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: "7910348Ki",
        pods: "29",
      },
      allocatable: {
        cpu: "1930m",
        "ephemeral-storage": "76224326324",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        memory: "7220172Ki",
        pods: "29",
      },
      conditions: [
        condition(
          "MemoryPressure",
          "KubeletHasSufficientMemory",
          "kubelet has sufficient memory available",
        ),
        condition("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        condition("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        condition("Ready", "KubeletReady", "kubelet is posting ready status"),
      ],
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "InternalDNS", address: name },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(tl, 32),
        systemUUID: `ec2${hex(tl, 5)}-${hex(tl, 4)}-${hex(tl, 4)}-${hex(tl, 4)}-${hex(tl, 12)}`,
        bootID: tl.uid(),
        kernelVersion: "5.10.226-214.879.amzn2.x86_64",
        osImage: "Amazon Linux 2",
        containerRuntimeVersion: "containerd://1.7.22",
        kubeletVersion: "v1.30.4-eks-a737599",
        kubeProxyVersion: "v1.30.4-eks-a737599",
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  };
}

/** The pod template of an app (what its Deployment and ReplicaSets hold). */
export function podTemplate(app: AppSpec, labels: Record<string, string>) {
  const probe =
    app.portName === "grpc"
      ? { grpc: { port: app.port, service: "" } }
      : app.portName === "http"
        ? {
            httpGet: {
              path: "/_healthz",
              port: app.port,
              scheme: "HTTP",
              httpHeaders: [{ name: "Cookie", value: "shop_session-id=x-readiness-probe" }],
            },
          }
        : { tcpSocket: { port: app.port } };
  const probeTimes = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1 };
  return {
    metadata: { labels },
    spec: {
      ...(app.configMap
        ? {
            volumes: [
              { name: "config", configMap: { name: app.configMap.name, defaultMode: 420 } },
            ],
          }
        : {}),
      containers: [
        {
          name: app.container,
          image: app.image,
          ports: [{ containerPort: app.port, protocol: "TCP" }],
          env: app.env,
          resources: {
            limits: { cpu: app.cpu[1], memory: app.memory[1] },
            requests: { cpu: app.cpu[0], memory: app.memory[0] },
          },
          ...(app.configMap
            ? {
                volumeMounts: [
                  { name: "config", readOnly: true, mountPath: app.configMap.mountPath },
                ],
              }
            : {}),
          livenessProbe: { ...probe, initialDelaySeconds: 10, ...probeTimes, failureThreshold: 3 },
          readinessProbe: { ...probe, initialDelaySeconds: 5, ...probeTimes, failureThreshold: 3 },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "IfNotPresent",
          securityContext: {
            capabilities: { drop: ["ALL"] },
            privileged: false,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
          },
        },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 5,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: app.name,
      serviceAccount: app.name,
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 1000 },
      schedulerName: "default-scheduler",
    },
  };
}

/** A Deployment at revision `revision` with its replicas all available. */
export function deploymentObject(
  tl: Timeline,
  app: AppSpec,
  revision: number,
  createdAt: string,
  availableSince: string,
  hash: string,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(tl, app.name, createdAt, {
      namespace: app.namespace,
      generation: revision,
      labels: { app: app.name },
      annotations: { "deployment.kubernetes.io/revision": String(revision) },
    }),
    spec: {
      replicas: app.replicas,
      selector: { matchLabels: { app: app.name } },
      template: podTemplate(app, { app: app.name }),
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: revision,
      replicas: app.replicas,
      updatedReplicas: app.replicas,
      readyReplicas: app.replicas,
      availableReplicas: app.replicas,
      conditions: [
        {
          type: "Available",
          status: "True",
          lastUpdateTime: availableSince,
          lastTransitionTime: availableSince,
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        },
        {
          type: "Progressing",
          status: "True",
          lastUpdateTime: availableSince,
          lastTransitionTime: createdAt,
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${app.name}-${hash}" has successfully progressed.`,
        },
      ],
    } satisfies WorkloadStatus,
  };
}

/** The ReplicaSet of `deployment` for the pod-template hash `hash`, with `replicas` ready. */
export function replicaSetObject(
  tl: Timeline,
  app: AppSpec,
  deployment: KubeObject,
  hash: string,
  revision: number,
  replicas: number,
  createdAt: string,
): KubeObject {
  const labels = { app: app.name, "pod-template-hash": hash };
  const template = structuredClone(templateOf(deployment));
  template.metadata.labels = { ...template.metadata.labels, ...labels };
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta(tl, `${app.name}-${hash}`, createdAt, {
      namespace: app.namespace,
      generation: 1,
      labels,
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(app.replicas),
        "deployment.kubernetes.io/max-replicas": String(app.replicas + 1),
        "deployment.kubernetes.io/revision": String(revision),
      },
      ownerReferences: [owner(deployment)],
    }),
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template,
    },
    status: {
      observedGeneration: 1,
      replicas,
      fullyLabeledReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    } satisfies WorkloadStatus,
  };
}

/** A running, ready pod of `rs` on `node`. */
export function podObject(
  tl: Timeline,
  rs: KubeObject,
  name: string,
  node: { name: string; ip: string },
  podIP: string,
  createdAt: string,
  startedAt: string,
): KubeObject {
  const template = templateOf(rs) as unknown as {
    metadata: { labels: Record<string, string> };
    spec: Record<string, unknown> & {
      containers: (Record<string, unknown> & {
        name: string;
        image: string;
        volumeMounts?: unknown[];
      })[];
      volumes?: unknown[];
    };
  };
  const token = `kube-api-access-${hex(tl, 5).replace(/[aeiou0-3]/g, "x")}`;
  const spec = structuredClone(template.spec);
  spec.containers = spec.containers.map((c) => ({
    ...c,
    volumeMounts: [
      ...(c.volumeMounts ?? []),
      {
        name: token,
        readOnly: true,
        mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
      },
    ],
  }));
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name: token,
      projected: {
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          {
            downwardAPI: {
              items: [
                {
                  path: "namespace",
                  fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
                },
              ],
            },
          },
        ],
        defaultMode: 420,
      },
    },
  ];
  const ready = (type: string, at: string): Condition => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: at,
  });
  const [container] = spec.containers;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(tl, name, createdAt, {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace ?? "",
      labels: template.metadata.labels,
      ownerReferences: [owner(rs)],
    }),
    spec: {
      ...spec,
      nodeName: node.name,
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
    },
    status: {
      phase: "Running",
      conditions: [
        ready("PodReadyToStartContainers", plus(createdAt, 2)),
        ready("Initialized", createdAt),
        ready("Ready", plus(startedAt, 6)),
        ready("ContainersReady", plus(startedAt, 6)),
        ready("PodScheduled", createdAt),
      ],
      hostIP: node.ip,
      hostIPs: [{ ip: node.ip }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: createdAt,
      containerStatuses: [
        {
          name: container?.name ?? "server",
          state: { running: { startedAt } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: container?.image ?? "",
          imageID: imageIdOf(tl, container?.image ?? ""),
          containerID: containerIdOf(tl),
          started: true,
        },
      ],
      qosClass: "Burstable",
    } satisfies PodStatus,
  };
}

/** A ClusterIP Service selecting the app's pods. */
export function serviceObject(tl: Timeline, app: AppSpec, createdAt: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(tl, app.name, createdAt, {
      namespace: app.namespace,
      labels: { app: app.name },
    }),
    spec: {
      ports: [
        {
          name: app.portName,
          protocol: "TCP",
          port: app.servicePort ?? app.port,
          targetPort: app.port,
        },
      ],
      selector: { app: app.name },
      clusterIP: app.clusterIP,
      clusterIPs: [app.clusterIP],
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
    },
    status: { loadBalancer: {} },
  };
}

/** The EndpointSlice the endpointslice controller keeps for `service`. */
export function endpointSliceObject(
  tl: Timeline,
  app: AppSpec,
  service: KubeObject,
  suffix: string,
  endpoints: Endpoint[],
  createdAt: string,
): KubeObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: meta(tl, `${app.name}-${suffix}`, createdAt, {
      generateName: `${app.name}-`,
      namespace: app.namespace,
      generation: 1,
      labels: {
        app: app.name,
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        "kubernetes.io/service-name": app.name,
      },
      annotations: { "endpoints.kubernetes.io/last-change-trigger-time": createdAt },
      ownerReferences: [owner(service)],
    }),
    addressType: "IPv4",
    endpoints,
    ports: [{ name: app.portName, protocol: "TCP", port: app.port }],
  };
}

/** An endpoint of a pod. */
export function endpointOf(pod: KubeObject, ready: boolean, zone: string): Endpoint {
  const status = podStatusOf(pod);
  return {
    addresses: [status.podIP ?? ""],
    conditions: { ready, serving: ready, terminating: false },
    targetRef: {
      kind: "Pod",
      namespace: pod.metadata.namespace ?? "",
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
    nodeName: (pod.spec as { nodeName: string }).nodeName,
    zone,
  };
}

/** A ConfigMap with its data (the graph builder never reads `data`). */
export function configMapObject(
  tl: Timeline,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  data: Record<string, string>,
  createdAt: string,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(tl, name, createdAt, { namespace, labels }),
    data,
  };
}
