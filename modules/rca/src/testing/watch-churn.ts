/**
 * Seeded random watch streams of one small namespace (two nodes, three Services, a ReplicaSet,
 * six pods, an EndpointSlice, two ConfigMaps) under churn: objects modified (labels, node,
 * volumes, selectors, restarts, readiness), deleted and re-created under a new uid, old events
 * replayed, Kubernetes Events, bookmarks and a malformed object now and then. For tests that
 * compare ways of applying the same stream.
 */

type Obj = Record<string, unknown> & { kind: string; metadata: Record<string, unknown> };
export interface ChurnEvent {
  type: string;
  object: Obj;
}

/** mulberry32: a small deterministic PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NS = "shop";
const PODS = ["p0", "p1", "p2", "p3", "p4", "p5"];
const SELECTORS = [{ app: "a" }, { app: "b" }, { app: "a", tier: "web" }, {}];

interface Live {
  gen: number;
  deleted: boolean;
  spec: Record<string, unknown>;
  emitted: ChurnEvent[];
}

/**
 * `batches` batches of `perBatch` watch events each, the same for the same `seed`.
 * @param seed any integer.
 */
export function watchChurn(seed: number, batches: number, perBatch: number): ChurnEvent[][] {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  let rv = 1000;
  let events = 0;
  const state = new Map<string, Live>();
  const names: [string, string][] = [
    ["Node", "n0"],
    ["Node", "n1"],
    ["Service", "svc-a"],
    ["Service", "svc-b"],
    ["Service", "svc-c"],
    ["ReplicaSet", "web-5d8f7c9b6"],
    ["EndpointSlice", "svc-a-x1"],
    ["ConfigMap", "cm-x"],
    ["ConfigMap", "cm-y"],
    ...PODS.map((p): [string, string] => ["Pod", p]),
  ];

  const mutate = (kind: string): Record<string, unknown> => {
    switch (kind) {
      case "Node":
        return {
          ready: pick(["True", "True", "False", "Unknown"]),
          since: Math.floor(random() * 5),
        };
      case "Service":
        return { selector: pick(SELECTORS) };
      case "Pod":
        return {
          labels: { app: pick(["a", "b"]), ...(random() < 0.5 ? { tier: "web" } : {}) },
          node: pick(["n0", "n1", undefined]),
          volume: pick(["cm-x", "cm-y", undefined]),
          restarts: Math.floor(random() * 3),
          waiting: pick([undefined, undefined, "CrashLoopBackOff", "ImagePullBackOff"]),
          owned: random() < 0.8,
        };
      case "EndpointSlice":
        return { pods: PODS.filter(() => random() < 0.4) };
      case "ReplicaSet":
        return { unavailable: Math.floor(random() * 2) };
      default:
        return {};
    }
  };

  const objectOf = (kind: string, name: string, live: Live): Obj => {
    const s = live.spec;
    const metadata: Record<string, unknown> = {
      name,
      uid: `${name}-uid-${live.gen}`,
      resourceVersion: String(++rv),
    };
    if (kind !== "Node") metadata.namespace = NS;
    const obj: Obj = { apiVersion: "v1", kind, metadata };
    if (kind === "Node")
      obj.status = {
        conditions: [
          {
            type: "Ready",
            status: s.ready,
            lastTransitionTime: `2024-11-19T19:0${s.since}:00Z`,
          },
        ],
      };
    if (kind === "Service") obj.spec = { selector: s.selector };
    if (kind === "ReplicaSet") obj.status = { replicas: 2, unavailableReplicas: s.unavailable };
    if (kind === "EndpointSlice") {
      metadata.labels = { "kubernetes.io/service-name": "svc-a" };
      obj.endpoints = (s.pods as string[]).map((p) => ({ targetRef: { kind: "Pod", name: p } }));
    }
    if (kind === "Pod") {
      metadata.labels = s.labels;
      if (s.owned)
        metadata.ownerReferences = [
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f7c9b6", controller: true },
        ];
      obj.spec = {
        ...(s.node ? { nodeName: s.node } : {}),
        containers: [{ name: "app", image: "shop/app:1" }],
        volumes: s.volume ? [{ name: "v", configMap: { name: s.volume } }] : [],
      };
      obj.status = {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            ready: !s.waiting,
            restartCount: s.restarts,
            state: s.waiting ? { waiting: { reason: s.waiting } } : { running: {} },
          },
        ],
      };
    }
    return obj;
  };

  const emit = (type: string, kind: string, name: string, live: Live): ChurnEvent => {
    const e = { type, object: objectOf(kind, name, live) };
    live.emitted.push(structuredClone(e));
    return e;
  };

  const next = (): ChurnEvent => {
    const roll = random();
    if (roll < 0.04) return { type: "BOOKMARK", object: { kind: "Pod", metadata: {} } };
    if (roll < 0.07) return { type: "ADDED", object: { kind: "Pod", metadata: { name: "bad" } } };
    if (roll < 0.12)
      return {
        type: "ADDED",
        object: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: `ev-${++events}`, namespace: NS, uid: `ev-${events % 4}` },
          involvedObject: { kind: "Pod", namespace: NS, name: pick(PODS) },
          reason: "BackOff",
          type: "Warning",
          count: 1 + (events % 3),
          lastTimestamp: "2024-11-19T19:05:00Z",
        },
      };
    const [kind, name] = pick(names);
    const key = `${kind}/${name}`;
    const live = state.get(key);
    if (!live) {
      const fresh: Live = { gen: 0, deleted: false, spec: mutate(kind), emitted: [] };
      state.set(key, fresh);
      return emit("ADDED", kind, name, fresh);
    }
    const r = random();
    if (r < 0.15 && live.emitted.length > 0) return structuredClone(pick(live.emitted));
    if (live.deleted) {
      live.gen += 1;
      live.deleted = false;
      live.spec = mutate(kind);
      return emit("ADDED", kind, name, live);
    }
    if (r < 0.3) {
      live.deleted = true;
      return emit("DELETED", kind, name, live);
    }
    if (r < 0.85) live.spec = mutate(kind);
    return emit("MODIFIED", kind, name, live);
  };

  return Array.from({ length: batches }, () => Array.from({ length: perBatch }, next));
}
