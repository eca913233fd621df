/**
 * What the controllers, the scheduler and the kubelet write when a Deployment rolls out, a pod
 * starts, or a node stops reporting: the object versions and the Events they emit.
 */
import { type Boutique, NODES, type NodeKey, NS } from "./boutique.ts";
import {
  type AppSpec,
  type Condition,
  type ContainerStatus,
  podStatusOf,
  templateOf,
  type WorkloadStatus,
  workloadStatusOf,
} from "./object-types.ts";
import { podObject, replicaSetObject } from "./objects.ts";
import { type KubeObject, plus } from "./timeline.ts";

/** The app spec of a Deployment, as much as a new ReplicaSet needs. */
const specOf = (dep: KubeObject): AppSpec =>
  ({
    name: dep.metadata.name,
    namespace: NS,
    replicas: (dep.spec as { replicas: number }).replicas,
  }) as AppSpec;

/**
 * A rollout of `app` at `at`: the user's change to the pod template (`edit`), then the deployment
 * controller's new ReplicaSet (`hash`, one replica: maxSurge 25 %, maxUnavailable 25 % of a small
 * Deployment) and its revision and status; the ReplicaSet controller's pod, bound to `node`.
 * @returns the new ReplicaSet and its pod (Pending, ContainerCreating).
 */
export function rollout(
  c: Boutique,
  at: string,
  app: string,
  edit: (template: ReturnType<typeof templateOf>) => void,
  pod: { hash: string; suffix: string; node: NodeKey; ip: string },
): { rs: KubeObject; pod: KubeObject } {
  const dep = c.deployments.get(app);
  if (!dep) throw new Error(`no Deployment ${app}`);
  edit(templateOf(dep));
  dep.metadata.generation = (dep.metadata.generation ?? 1) + 1;
  c.modified(at, dep);
  const annotations = dep.metadata.annotations as Record<string, string>;
  const revision = Number(annotations["deployment.kubernetes.io/revision"]) + 1;
  const replicas = (dep.spec as { replicas: number }).replicas;
  const rs = replicaSetObject(c.tl, specOf(dep), dep, pod.hash, revision, 1, at);
  Object.assign(workloadStatusOf(rs), {
    replicas: 1,
    fullyLabeledReplicas: 1,
    readyReplicas: 0,
    availableReplicas: 0,
  });
  c.replicaSets.set(rs.metadata.name, rs);
  c.tl.watch(at, "ADDED", rs);
  c.event(at, dep, {
    type: "Normal",
    reason: "ScalingReplicaSet",
    message: `Scaled up replica set ${rs.metadata.name} to 1`,
    component: "deployment-controller",
  });
  annotations["deployment.kubernetes.io/revision"] = String(revision);
  const status = workloadStatusOf(dep);
  Object.assign(status, {
    observedGeneration: dep.metadata.generation,
    replicas: replicas + 1,
    updatedReplicas: 1,
    unavailableReplicas: 1,
  } satisfies Partial<WorkloadStatus>);
  const progressing = status.conditions?.find((x) => x.type === "Progressing");
  if (progressing)
    Object.assign(progressing, {
      lastUpdateTime: at,
      reason: "ReplicaSetUpdated",
      message: `ReplicaSet "${rs.metadata.name}" is progressing.`,
    });
  c.modified(plus(at, 1), dep);
  const created = startPod(
    c,
    plus(at, 1),
    rs,
    `${rs.metadata.name}-${pod.suffix}`,
    pod.node,
    pod.ip,
  );
  return { rs, pod: created };
}

/**
 * A new pod of `rs` created by the ReplicaSet controller and bound by the scheduler to `node`:
 * ADDED Pending with its container waiting in ContainerCreating.
 */
export function startPod(
  c: Boutique,
  at: string,
  rs: KubeObject,
  name: string,
  node: NodeKey,
  ip: string,
): KubeObject {
  const pod = podObject(c.tl, rs, name, NODES[node], ip, at, at);
  const status = podStatusOf(pod);
  status.phase = "Pending";
  for (const cond of status.conditions) {
    cond.lastTransitionTime = at;
    if (cond.type !== "Initialized" && cond.type !== "PodScheduled") {
      cond.status = "False";
      if (cond.type === "Ready" || cond.type === "ContainersReady") {
        cond.reason = "ContainersNotReady";
        cond.message = `containers with unready status: [${status.containerStatuses[0]?.name}]`;
      }
    }
  }
  const cs = status.containerStatuses[0] as ContainerStatus;
  cs.state = { waiting: { reason: "ContainerCreating" } };
  cs.ready = false;
  cs.started = false;
  cs.imageID = "";
  delete cs.containerID;
  c.pods.set(name, pod);
  c.event(at, rs, {
    type: "Normal",
    reason: "SuccessfulCreate",
    message: `Created pod: ${name}`,
    component: "replicaset-controller",
  });
  c.tl.watch(at, "ADDED", pod);
  c.event(at, pod, {
    type: "Normal",
    reason: "Scheduled",
    message: `Successfully assigned ${NS}/${name} to ${NODES[node].name}`,
    component: "default-scheduler",
  });
  return pod;
}

/** The kubelet started the pod's container (pulled image `imageID`); ready when `ready`. */
export function running(c: Boutique, at: string, pod: KubeObject, ready: boolean): void {
  const status = podStatusOf(pod);
  status.phase = "Running";
  const cs = status.containerStatuses[0] as ContainerStatus;
  cs.state = { running: { startedAt: at } };
  cs.started = true;
  cs.ready = ready;
  if (!cs.imageID) cs.imageID = c.imageId(cs.image);
  cs.containerID = `containerd://${Array.from({ length: 64 }, () => Math.floor(c.tl.random() * 16).toString(16)).join("")}`;
  const set = (type: string, value: boolean) => {
    const cond = status.conditions.find((x) => x.type === type) as Condition;
    cond.status = value ? "True" : "False";
    cond.lastTransitionTime = at;
    if (value) {
      delete cond.reason;
      delete cond.message;
    }
  };
  set("PodReadyToStartContainers", true);
  set("Ready", ready);
  set("ContainersReady", ready);
  c.modified(at, pod);
}

/** The kubelet's Events for a container start (image already on the node). */
export function started(c: Boutique, at: string, pod: KubeObject): void {
  const host = (pod.spec as { nodeName: string }).nodeName;
  const image = podStatusOf(pod).containerStatuses[0]?.image ?? "";
  const name = podStatusOf(pod).containerStatuses[0]?.name ?? "server";
  const kubelet = { component: "kubelet", host, fieldPath: `spec.containers{${name}}` };
  c.event(at, pod, {
    type: "Normal",
    reason: "Pulled",
    message: `Container image "${image}" already present on machine`,
    ...kubelet,
  });
  c.event(at, pod, {
    type: "Normal",
    reason: "Created",
    message: `Created container ${name}`,
    ...kubelet,
  });
  c.event(at, pod, {
    type: "Normal",
    reason: "Started",
    message: `Started container ${name}`,
    ...kubelet,
  });
}

/** The kubelet's BackOff Warning for a crashing container. */
export function backOff(c: Boutique, at: string, pod: KubeObject): void {
  const name = podStatusOf(pod).containerStatuses[0]?.name ?? "server";
  c.event(at, pod, {
    type: "Warning",
    reason: "BackOff",
    message: `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${NS}(${pod.metadata.uid})`,
    component: "kubelet",
    host: (pod.spec as { nodeName: string }).nodeName,
    fieldPath: `spec.containers{${name}}`,
  });
}

/** A workload's replica counts change (ready and available, and so unavailable). */
export function replicas(c: Boutique, at: string, o: KubeObject, ready: number): void {
  const s = workloadStatusOf(o);
  const wanted = (o.spec as { replicas: number }).replicas;
  s.readyReplicas = ready;
  s.availableReplicas = ready;
  if (o.kind === "Deployment") {
    if (ready < wanted || s.replicas > ready)
      s.unavailableReplicas = Math.max(0, s.replicas - ready);
    else delete s.unavailableReplicas;
  }
  c.modified(at, o);
}
