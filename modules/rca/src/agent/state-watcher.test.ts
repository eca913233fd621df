import { createLogger } from "@kamiyo/core";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiServer } from "../testing/kube-api-server.ts";
import { type StateChange, StateWatcher } from "./state-watcher.ts";

// Object shapes as the Kubernetes API reference gives them (core/v1 Pod, Secret, Node; apps/v1).
const pod = (phase: string): KubernetesObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "cart-7d9f8b6c5-x2k4p",
      namespace: "shop",
      labels: { app: "cart", "pod-template-hash": "7d9f8b6c5" },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: "cart-7d9f8b6c5",
          uid: "rs-1",
          controller: true,
        },
      ],
    },
    spec: { nodeName: "node-a", containers: [{ name: "cart", image: "shop/cart:1.4.2" }] },
    status: { phase, podIP: "10.0.1.7" },
  }) as KubernetesObject;
const secret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "cart-db", namespace: "shop" },
  type: "Opaque",
  data: { password: "aHVudGVyMg==" },
} as KubernetesObject;
const node = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "node-a", labels: { "kubernetes.io/hostname": "node-a" } },
  status: { conditions: [{ type: "Ready", status: "True" }] },
} as KubernetesObject;

let api: KubeApiServer;
let watcher: StateWatcher;
const seen: StateChange[] = [];
const quiet = createLogger("silent", {});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const of = (type: string, name: string) =>
  seen.filter((c) => c.type === type && c.object.metadata?.name === name);

beforeAll(async () => {
  api = await KubeApiServer.start();
  api.apply(pod("Pending"));
  api.apply(secret);
  api.apply(node);
  watcher = new StateWatcher(api.kubeConfig(), { onChange: (c) => seen.push(c), log: quiet });
  await watcher.start();
});
afterAll(async () => {
  await watcher?.stop();
  await api?.close();
});

describe("the RCA agent's state watcher", () => {
  it("lists every watched kind, then watches from the list's resourceVersion; a Secret arrives without its data", async () => {
    await until(() => seen.length >= 3, "the initial list");
    expect(of("ADDED", "cart-7d9f8b6c5-x2k4p")).toHaveLength(1);
    const s = of("ADDED", "cart-db")[0]?.object as Record<string, unknown>;
    expect(s).toMatchObject({ kind: "Secret", type: "Opaque", metadata: { name: "cart-db" } });
    expect(s.data).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain("aHVudGVyMg==");
    // 15 kinds listed (after discovery) and watched from the list's version.
    await until(
      () => api.requests.filter((r) => r.includes("watch=true")).length === 15,
      "15 watches",
    );
    expect(
      api.requests.filter((r) => /^GET \/api(s\/[^/]+)?\/v\d[^/]*\/[a-z]+$/.test(r)),
    ).toHaveLength(15);
    expect(
      api.requests.some(
        (r) => r.startsWith("GET /api/v1/pods?") && r.includes("resourceVersion=103"),
      ),
    ).toBe(true);
  });

  it("sends changes as they happen, and resumes from the last version it saw when the server closes the watch", async () => {
    api.apply(pod("Running"));
    await until(() => of("MODIFIED", "cart-7d9f8b6c5-x2k4p").length === 1, "the update");
    const lists = api.requests.filter((r) => r === "GET /api/v1/pods").length;
    api.closeWatches();
    api.apply(pod("Failed")); // while no watch is open
    await until(() => of("MODIFIED", "cart-7d9f8b6c5-x2k4p").length === 2, "the missed update");
    // It resumed from the version it had (no new list) and saw the missed change once.
    expect(api.requests.filter((r) => r === "GET /api/v1/pods").length).toBe(lists);
    expect(of("MODIFIED", "cart-7d9f8b6c5-x2k4p")[1]?.object).toMatchObject({
      status: { phase: "Failed" },
    });
    expect(watcher.health().Pod).toMatchObject({ connected: true, objects: 1 });
  });

  it("lists again on 410 Gone, and a deletion it missed shows as a deletion", async () => {
    const lists = api.requests.filter((r) => r === "GET /api/v1/pods").length;
    // While no watch is open, the pod goes and the history of it is compacted away: the watch
    // resumes from a version the server no longer has.
    api.closeWatches();
    api.remove("Pod", "shop", "cart-7d9f8b6c5-x2k4p");
    api.compact();
    await until(() => of("DELETED", "cart-7d9f8b6c5-x2k4p").length === 1, "the relisted deletion");
    expect(api.requests.filter((r) => r === "GET /api/v1/pods").length).toBe(lists + 1);
    expect(watcher.health().Pod?.objects).toBe(0);
    // Each change has its own id: uid, version and type.
    expect(new Set(seen.map((c) => c.id)).size).toBe(seen.length);
  });
});
