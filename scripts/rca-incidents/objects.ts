/**
 * Kubernetes objects in the shapes the API server (v1.30) returns them, field by field as in the
 * API reference and `@kubernetes/client-node`'s V1 types: Deployments, ReplicaSets and Pods, and
 * the metadata every object has (Nodes in `node-object.ts`, Services, EndpointSlices and ConfigMaps
 * in `service-objects.ts`).
 */
import {
  type AppSpec,
  type Condition,
  type PodStatus,
  templateOf,
  type WorkloadStatus,
} from "./object-types.ts";
import { type KubeObject, type Meta, plus, type Timeline } from "./timeline.ts";

export const hex = (tl: Timeline, n: number) =>
  Array.from({ length: n }, () => Math.floor(tl.random() * 16).toString(16)).join("");

/** A digest-pinned image id and a containerd container id. */
export const imageIdOf = (tl: Timeline, image: string) =>
  `${image.split(":")[0]}@sha256:${hex(tl, 64)}`;
export const containerIdOf = (tl: Timeline) => `containerd://${hex(tl, 64)}`;

/** Metadata in the order the API server writes its fields. */
export function meta(
  tl: Timeline,
  name: string,
  createdAt: string,
  more: Partial<Meta> = {},
): Meta {
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

export const owner = (o: KubeObject) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

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
