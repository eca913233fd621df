/**
 * The cluster every incident starts from: Google's Online Boutique (microservices-demo v0.10.1,
 * its `kubernetes-manifests.yaml`: images, ports, probes, resources) in namespace `boutique` on
 * three EKS nodes, listed by the agent at the start, and the writes the controllers and kubelets
 * make as things go wrong.
 */
import {
  type AppSpec,
  type ContainerStatus,
  configMapObject,
  containerIdOf,
  deploymentObject,
  endpointOf,
  endpointSliceObject,
  endpointsOf,
  imageIdOf,
  nodeObject,
  podObject,
  podStatusOf,
  replicaSetObject,
  serviceObject,
  type Termination,
} from "./objects.ts";
import { type KubeObject, plus, type Timeline } from "./timeline.ts";

export const NS = "boutique";
export const CLUSTER = "boutique-prod";
const REGISTRY = "us-central1-docker.pkg.dev/google-samples/microservices-demo";

export const NODES = {
  a: { name: "ip-10-0-1-23.us-east-2.compute.internal", ip: "10.0.1.23", zone: "us-east-2a" },
  b: { name: "ip-10-0-2-41.us-east-2.compute.internal", ip: "10.0.2.41", zone: "us-east-2b" },
  c: { name: "ip-10-0-3-88.us-east-2.compute.internal", ip: "10.0.3.88", zone: "us-east-2c" },
} as const;
export type NodeKey = keyof typeof NODES;

const grpcApp = (
  name: string,
  port: number,
  clusterIP: string,
  replicas: number,
  env: Record<string, string>,
  more: Partial<AppSpec> = {},
): AppSpec => ({
  name,
  namespace: NS,
  image: `${REGISTRY}/${name}:v0.10.1`,
  port,
  portName: "grpc",
  container: "server",
  replicas,
  clusterIP,
  cpu: ["100m", "200m"],
  memory: ["64Mi", "128Mi"],
  env: Object.entries({ PORT: String(port), ...env }).map(([k, v]) => ({ name: k, value: v })),
  ...more,
});

/** The workloads, their current ReplicaSet's pod-template hash and where their pods run. */
export const APPS: readonly {
  readonly spec: AppSpec;
  readonly hash: string;
  readonly revision: number;
  readonly slice: string;
  readonly pods: readonly { suffix: string; node: NodeKey; ip: string }[];
}[] = [
  {
    spec: {
      ...grpcApp("frontend", 8080, "172.20.41.17", 2, {
        PRODUCT_CATALOG_SERVICE_ADDR: "productcatalogservice:3550",
        CURRENCY_SERVICE_ADDR: "currencyservice:7000",
        CART_SERVICE_ADDR: "cartservice:7070",
        CHECKOUT_SERVICE_ADDR: "checkoutservice:5050",
        ENABLE_PROFILER: "0",
      }),
      portName: "http",
      servicePort: 80,
    },
    hash: "7c9d6f8b54",
    revision: 4,
    slice: "h7x2k",
    pods: [
      { suffix: "4xk2p", node: "a", ip: "10.0.1.142" },
      { suffix: "9tq7m", node: "c", ip: "10.0.3.37" },
    ],
  },
  {
    spec: grpcApp(
      "cartservice",
      7070,
      "172.20.118.203",
      2,
      { REDIS_ADDR: "redis-cart:6379" },
      { cpu: ["200m", "300m"] },
    ),
    hash: "5d8b7c9f6d",
    revision: 3,
    slice: "q2w8n",
    pods: [
      { suffix: "b6w2z", node: "a", ip: "10.0.1.77" },
      { suffix: "kx7qr", node: "b", ip: "10.0.2.57" },
    ],
  },
  {
    spec: grpcApp("productcatalogservice", 3550, "172.20.77.91", 2, { DISABLE_PROFILER: "1" }),
    hash: "6f97c8d5b",
    revision: 2,
    slice: "m5v9t",
    pods: [
      { suffix: "2hq9x", node: "a", ip: "10.0.1.205" },
      { suffix: "p8m4t", node: "b", ip: "10.0.2.118" },
    ],
  },
  {
    spec: grpcApp(
      "currencyservice",
      7000,
      "172.20.9.144",
      2,
      { DISABLE_PROFILER: "1" },
      { configMap: { name: "currency-config", mountPath: "/etc/currency" } },
    ),
    hash: "7b6d9c8f5",
    revision: 5,
    slice: "z4k7d",
    pods: [
      { suffix: "gk4rt", node: "a", ip: "10.0.1.61" },
      { suffix: "wz2n8", node: "c", ip: "10.0.3.150" },
    ],
  },
  {
    spec: grpcApp("checkoutservice", 5050, "172.20.200.12", 1, {
      PRODUCT_CATALOG_SERVICE_ADDR: "productcatalogservice:3550",
      SHIPPING_SERVICE_ADDR: "shippingservice:50051",
      PAYMENT_SERVICE_ADDR: "paymentservice:50051",
      EMAIL_SERVICE_ADDR: "emailservice:5000",
      CURRENCY_SERVICE_ADDR: "currencyservice:7000",
      CART_SERVICE_ADDR: "cartservice:7070",
    }),
    hash: "84c5f7d69b",
    revision: 2,
    slice: "r8p6c",
    pods: [{ suffix: "s7fh2", node: "b", ip: "10.0.2.203" }],
  },
  {
    spec: grpcApp(
      "paymentservice",
      50051,
      "172.20.150.66",
      1,
      { DISABLE_PROFILER: "1" },
      { configMap: { name: "payment-config", mountPath: "/etc/payment" } },
    ),
    hash: "6c8b4d7f95",
    revision: 6,
    slice: "w6n2g",
    pods: [{ suffix: "tq4zd", node: "c", ip: "10.0.3.91" }],
  },
  {
    spec: {
      name: "redis-cart",
      namespace: NS,
      image: "redis:alpine",
      port: 6379,
      portName: "tcp-redis",
      container: "redis",
      replicas: 1,
      clusterIP: "172.20.31.5",
      cpu: ["70m", "125m"],
      memory: ["200Mi", "256Mi"],
      env: [],
    },
    hash: "6b9f8d7c4f",
    revision: 1,
    slice: "k9d4s",
    pods: [{ suffix: "v2c8k", node: "c", ip: "10.0.3.12" }],
  },
];

/** Calls a minute between the services, as the trace feed reports them. */
export const CALLS: readonly [string, string, number][] = [
  ["frontend", "productcatalogservice", 120],
  ["frontend", "currencyservice", 260],
  ["frontend", "cartservice", 80],
  ["frontend", "checkoutservice", 6],
  ["checkoutservice", "productcatalogservice", 12],
  ["checkoutservice", "cartservice", 6],
  ["checkoutservice", "currencyservice", 18],
  ["checkoutservice", "paymentservice", 6],
  ["cartservice", "redis-cart", 160],
];

/** The cluster's objects as they are now, and the writes that change them. */
export class Boutique {
  readonly nodes = new Map<NodeKey, KubeObject>();
  readonly deployments = new Map<string, KubeObject>();
  readonly replicaSets = new Map<string, KubeObject>();
  readonly pods = new Map<string, KubeObject>();
  readonly services = new Map<string, KubeObject>();
  readonly slices = new Map<string, KubeObject>();
  readonly configMaps = new Map<string, KubeObject>();
  private readonly events = new Map<string, Record<string, unknown> & { count: number }>();

  readonly tl: Timeline;

  constructor(tl: Timeline) {
    this.tl = tl;
  }

  /**
   * The agent's initial list at `at`: every object ADDED (nodes, ConfigMaps, then per app its
   * Deployment, ReplicaSet, Service, pods and EndpointSlice), and the trace feed's call edges.
   */
  list(at: string, configs: Record<string, { app: string; data: Record<string, string> }>): void {
    const built = "2024-11-04T09:12:40Z";
    for (const [key, n] of Object.entries(NODES) as [NodeKey, (typeof NODES)[NodeKey]][]) {
      const node = nodeObject(this.tl, n.name, n.ip, n.zone, built, plus(at, -7));
      this.nodes.set(key, node);
      this.tl.watch(at, "ADDED", node);
    }
    for (const [name, { app, data }] of Object.entries(configs)) {
      const cm = configMapObject(this.tl, NS, name, { app }, data, "2024-11-12T16:40:03Z");
      this.configMaps.set(name, cm);
      this.tl.watch(at, "ADDED", cm);
    }
    for (const a of APPS) {
      const rolledAt = `2024-11-${String(10 + a.revision).padStart(2, "0")}T14:02:11Z`;
      const dep = deploymentObject(this.tl, a.spec, a.revision, built, plus(rolledAt, 31), a.hash);
      const rs = replicaSetObject(
        this.tl,
        a.spec,
        dep,
        a.hash,
        a.revision,
        a.spec.replicas,
        rolledAt,
      );
      const svc = serviceObject(this.tl, a.spec, built);
      this.deployments.set(a.spec.name, dep);
      this.replicaSets.set(rs.metadata.name, rs);
      this.services.set(a.spec.name, svc);
      for (const o of [dep, rs, svc]) this.tl.watch(at, "ADDED", o);
      const endpoints = a.pods.map((p) => {
        const node = NODES[p.node];
        const pod = podObject(
          this.tl,
          rs,
          `${rs.metadata.name}-${p.suffix}`,
          node,
          p.ip,
          plus(rolledAt, 1),
          plus(rolledAt, 9),
        );
        this.pods.set(pod.metadata.name, pod);
        this.tl.watch(at, "ADDED", pod);
        return endpointOf(pod, true, node.zone);
      });
      const slice = endpointSliceObject(
        this.tl,
        a.spec,
        svc,
        a.slice,
        endpoints,
        plus(rolledAt, 16),
      );
      this.slices.set(a.spec.name, slice);
      this.tl.watch(at, "ADDED", slice);
    }
    this.tl.calls(
      at,
      "traces",
      CALLS.map(([source, target, weight]) => ({ namespace: NS, source, target, weight })),
    );
  }

  pod(name: string): KubeObject {
    const p = this.pods.get(name);
    if (!p) throw new Error(`no pod ${name}`);
    return p;
  }

  /** Writes `object` as it is now (MODIFIED). */
  modified(at: string, object: KubeObject): void {
    this.tl.watch(at, "MODIFIED", object);
  }

  /**
   * The kubelet reports a container terminated (`reason`, `exitCode`) and now waiting in
   * CrashLoopBackOff: restart count up, the pod not ready.
   */
  crashed(at: string, pod: KubeObject, term: Omit<Termination, "containerID">): void {
    const status = podStatusOf(pod);
    const c = status.containerStatuses[0] as ContainerStatus;
    c.lastState = { terminated: { ...term, containerID: c.containerID ?? containerIdOf(this.tl) } };
    c.state = {
      waiting: {
        reason: "CrashLoopBackOff",
        message: `back-off ${Math.min(300, 10 * 2 ** c.restartCount)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${NS}(${pod.metadata.uid})`,
      },
    };
    c.restartCount += 1;
    c.ready = false;
    c.started = false;
    delete c.containerID;
    this.notReady(
      status,
      term.finishedAt,
      "ContainersNotReady",
      `containers with unready status: [${c.name}]`,
    );
    this.modified(at, pod);
  }

  /** The kubelet restarted the container; it runs (not ready yet). */
  restarted(at: string, pod: KubeObject, startedAt: string): void {
    const c = podStatusOf(pod).containerStatuses[0] as ContainerStatus;
    c.state = { running: { startedAt } };
    c.containerID = containerIdOf(this.tl);
    c.started = true;
    this.modified(at, pod);
  }

  /** Pod conditions Ready and ContainersReady turn False. */
  notReady(
    status: ReturnType<typeof podStatusOf>,
    since: string,
    reason: string,
    message?: string,
  ): void {
    for (const c of status.conditions)
      if ((c.type === "Ready" || c.type === "ContainersReady") && c.status === "True") {
        c.status = "False";
        c.lastTransitionTime = since;
        c.reason = reason;
        if (message) c.message = message;
      }
  }

  /** The EndpointSlice controller marks the pods' endpoints ready or not. */
  endpoints(at: string, app: string, ready: Readonly<Record<string, boolean>>): void {
    const slice = this.slices.get(app);
    if (!slice) throw new Error(`no EndpointSlice of ${app}`);
    for (const e of endpointsOf(slice)) {
      const r = ready[e.targetRef.name];
      if (r !== undefined) e.conditions = { ready: r, serving: r, terminating: false };
    }
    (slice.metadata.annotations as Record<string, string>)[
      "endpoints.kubernetes.io/last-change-trigger-time"
    ] = at;
    slice.metadata.generation = (slice.metadata.generation ?? 1) + 1;
    this.modified(at, slice);
  }

  /** The EndpointSlice controller swaps an evicted pod's endpoint (terminating) for a new pod's. */
  endpointReplaced(at: string, app: string, old: KubeObject, pod: KubeObject, zone: string): void {
    const slice = this.slices.get(app);
    if (!slice) throw new Error(`no EndpointSlice of ${app}`);
    const endpoints = endpointsOf(slice);
    for (const e of endpoints)
      if (e.targetRef.name === old.metadata.name)
        e.conditions = { ready: false, serving: false, terminating: true };
    endpoints.push(endpointOf(pod, true, zone));
    slice.metadata.generation = (slice.metadata.generation ?? 1) + 1;
    this.modified(at, slice);
  }

  /** A new container image (pulled from the registry) for a container status. */
  imageId(image: string): string {
    return imageIdOf(this.tl, image);
  }

  /**
   * A Kubernetes Event from `component` about `involved`, in kubernetes-event-exporter's
   * EnhancedEvent shape. The same reason and message on the same object again is the same Event
   * with its count up (as the API server's event correlator does).
   */
  event(
    at: string,
    involved: KubeObject,
    e: {
      type: "Normal" | "Warning";
      reason: string;
      message: string;
      component: string;
      host?: string;
      fieldPath?: string;
    },
  ): void {
    const key = `${involved.metadata.uid}|${e.reason}|${e.message}`;
    const known = this.events.get(key);
    const ev = known ?? {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${involved.metadata.name}.${(Date.parse(at) * 1e6 + Math.floor(this.tl.random() * 1e6)).toString(16)}`,
        namespace: involved.metadata.namespace ?? "default",
        uid: this.tl.uid(),
        resourceVersion: "0",
        creationTimestamp: at,
      },
      involvedObject: {
        kind: involved.kind,
        namespace: involved.metadata.namespace,
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: involved.apiVersion,
        resourceVersion: involved.metadata.resourceVersion,
        ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
        ...(involved.metadata.labels ? { labels: involved.metadata.labels } : {}),
        ...(involved.metadata.ownerReferences
          ? { ownerReferences: involved.metadata.ownerReferences }
          : {}),
        deleted: false,
      },
      reason: e.reason,
      message: e.message,
      source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 0,
      type: e.type,
      eventTime: null,
      reportingComponent: e.component,
      reportingInstance: e.host ?? "",
      clusterName: CLUSTER,
    };
    ev.count += 1;
    ev.lastTimestamp = at;
    (ev.metadata as { resourceVersion: string }).resourceVersion = this.tl.nextResourceVersion();
    this.events.set(key, ev);
    this.tl.k8sEvent(at, ev);
  }

  /** Vector `kubernetes_logs` events of one pod's container. */
  logs(pod: KubeObject, lines: readonly { at: string; message: string; stream?: string }[]): void {
    const status = podStatusOf(pod);
    const spec = pod.spec as { nodeName: string; containers: { name: string; image: string }[] };
    const container = spec.containers[0] as { name: string; image: string };
    const records = lines.map((l) => ({
      file: `/var/log/pods/${NS}_${pod.metadata.name}_${pod.metadata.uid}/${container.name}/${status.containerStatuses[0]?.restartCount ?? 0}.log`,
      kubernetes: {
        container_id: status.containerStatuses[0]?.containerID ?? "",
        container_image: container.image,
        container_name: container.name,
        namespace_labels: { "kubernetes.io/metadata.name": NS },
        pod_ip: status.podIP,
        pod_ips: [status.podIP],
        pod_labels: pod.metadata.labels,
        pod_name: pod.metadata.name,
        pod_namespace: NS,
        pod_node_name: spec.nodeName,
        pod_owner: `ReplicaSet/${pod.metadata.ownerReferences?.[0]?.name}`,
        pod_uid: pod.metadata.uid,
      },
      message: l.message,
      source_type: "kubernetes_logs",
      stream: l.stream ?? "stderr",
      timestamp: l.at.replace("Z", ".000000000Z").replace(/\.(\d{3})\.000000000Z$/, ".$1000000Z"),
    }));
    const last = lines.at(-1)?.at;
    if (last) this.tl.logs(plus(last, 5), records);
  }
}
