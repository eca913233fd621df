/**
 * The cluster every incident starts from: Google's Online Boutique (microservices-demo v0.10.1,
 * its `kubernetes-manifests.yaml`: images, ports, probes, resources) in namespace `boutique` on
 * three EKS nodes, listed by the agent at the start, and the writes the controllers and kubelets
 * make as things go wrong.
 */
import { APPS, CALLS, CLUSTER, NODES, type NodeKey, NS } from "./boutique-apps.ts";
import { nodeObject } from "./node-object.ts";
import {
  type ContainerStatus,
  endpointsOf,
  podStatusOf,
  type Termination,
} from "./object-types.ts";
import {
  containerIdOf,
  deploymentObject,
  imageIdOf,
  podObject,
  replicaSetObject,
} from "./objects.ts";
import {
  configMapObject,
  endpointOf,
  endpointSliceObject,
  serviceObject,
} from "./service-objects.ts";
import { type KubeObject, plus, type Timeline } from "./timeline.ts";

export { CLUSTER, NODES, type NodeKey, NS };

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
