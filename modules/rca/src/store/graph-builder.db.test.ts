import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { clusterWatch, faultsWatch, objectNamed, realEventWatch } from "../testing/k8s-fixtures.ts";
import { listResources } from "./graph-queries.ts";
import { applyWatchBatch } from "./write-graph.ts";

let db: Db;
const T0 = new Date("2024-11-19T19:00:00Z");
const T1 = new Date("2024-11-19T19:10:00Z");
let tenant = 0;

/** A fresh tenant's view for each test, so tests do not share a graph. */
async function freshTenant(): Promise<Db> {
  const id = `ten_graph${++tenant}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  return tenantDb(db, id);
}

/** Live edges as `TYPE from -> to`, sorted. */
async function liveEdges(t: Db): Promise<string[]> {
  const rows = await t.query<{ e: string }>(
    `SELECT DISTINCT type || ' ' || from_id || ' -> ' || to_id AS e FROM rca_relations
     WHERE deleted_at IS NULL ORDER BY 1`,
  );
  return rows.map((r) => r.e);
}

/** What a replay could change: every row of the graph's tables, as JSON. */
async function snapshot(t: Db): Promise<string> {
  const parts = [];
  for (const table of ["rca_resources", "rca_relations", "rca_events"])
    parts.push(await t.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`));
  return JSON.stringify(parts);
}

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
});
afterAll(async () => db?.close());

describe(`the graph builder on the stored graph (${testDbKind})`, () => {
  it("builds CONTROLS, OWNS, RUNS_ON, SELECTS, MOUNTS and ROUTES_TO from a namespace's objects", async () => {
    const t = await freshTenant();
    const result = await applyWatchBatch(t, clusterWatch(), T0);
    expect(result.issues).toEqual([]);
    expect(result.counts).toMatchObject({ applied: 21, malformed: 0, unchanged: 0 });
    const edges = await liveEdges(t);
    const pod = "pod/shop/cart-7d9f8b6c5-x2k4p";
    expect(edges).toEqual(
      expect.arrayContaining([
        "CONTROLS deployment/shop/cart -> replicaset/shop/cart-7d9f8b6c5",
        `CONTROLS replicaset/shop/cart-7d9f8b6c5 -> ${pod}`,
        "CONTROLS statefulset/shop/redis -> pod/shop/redis-0",
        "CONTROLS daemonset/shop/node-exporter -> pod/shop/node-exporter-5lq9d",
        "CONTROLS cronjob/shop/nightly-report -> job/shop/nightly-report-28866840",
        "CONTROLS job/shop/nightly-report-28866840 -> pod/shop/nightly-report-28866840-7tq2w",
        "CONTROLS horizontalpodautoscaler/shop/cart -> deployment/shop/cart",
        "CONTROLS service/shop/cart -> endpointslice/shop/cart-abc12",
        `RUNS_ON ${pod} -> node/worker-1`,
        "RUNS_ON pod/shop/redis-0 -> node/worker-2",
        `SELECTS service/shop/cart -> ${pod}`,
        "SELECTS service/shop/cart -> pod/shop/cart-7d9f8b6c5-q8m3z",
        "SELECTS service/shop/redis -> pod/shop/redis-0",
        `MOUNTS ${pod} -> configmap/shop/cart-config`,
        `MOUNTS ${pod} -> secret/shop/cart-db`,
        `MOUNTS ${pod} -> configmap/shop/kube-root-ca.crt`,
        "MOUNTS pod/shop/redis-0 -> persistentvolumeclaim/shop/data-redis-0",
        "ROUTES_TO ingress/shop/shop -> service/shop/cart",
      ]),
    );
    // The Service selects no pod of another app (the Job's and the DaemonSet's).
    expect(edges.filter((e) => e.startsWith("SELECTS service/shop/cart"))).toHaveLength(2);
    expect(edges).toHaveLength(25);
    const [cartPod] = (await listResources(t, { kind: "pod", namePrefix: "cart-7d9f8b6c5-x" }))
      .items;
    expect(cartPod).toMatchObject({
      service: "cart",
      namespace: "shop",
      status: { phase: "Running" },
    });
    const [secret] = (await listResources(t, { kind: "secret" })).items;
    expect(JSON.stringify(secret)).not.toContain("czNjcjN0");
  });

  it("changes nothing when the same watch events are replayed, later", async () => {
    const t = await freshTenant();
    const all = [...clusterWatch(), ...faultsWatch(), ...realEventWatch()];
    await applyWatchBatch(t, all, T0);
    const before = await snapshot(t);
    const again = await applyWatchBatch(t, all, T1);
    expect(again.counts).toMatchObject({ applied: 0, deleted: 0, unchanged: 25 });
    expect(again.eventsRecorded).toBe(0);
    expect(await snapshot(t)).toBe(before);
  });

  it("tombstones a deleted object and removes its edges; a re-created one comes back", async () => {
    const t = await freshTenant();
    await applyWatchBatch(t, clusterWatch(), T0);
    const pod = objectNamed(clusterWatch(), "Pod", "redis-0");
    pod.type = "DELETED";
    pod.object.metadata.resourceVersion = "1200";
    const res = await applyWatchBatch(t, [pod], T1);
    expect(res.counts.deleted).toBe(1);
    const [row] = await t.query<{ deleted_at: Date | null }>(
      "SELECT deleted_at FROM rca_resources WHERE id = 'pod/shop/redis-0'",
    );
    expect(row?.deleted_at).toEqual(T1);
    expect((await liveEdges(t)).filter((e) => e.includes("pod/shop/redis-0"))).toEqual([]);
    expect((await listResources(t, { kind: "pod" })).items.map((r) => r.name)).not.toContain(
      "redis-0",
    );
    // The same DELETE again is a no-op.
    expect((await applyWatchBatch(t, [pod], T1)).counts).toMatchObject({
      unchanged: 1,
      deleted: 0,
    });

    // The StatefulSet re-creates redis-0: a new uid, its edges (and the Service's) back.
    const back = objectNamed(clusterWatch(), "Pod", "redis-0");
    back.object.metadata.uid = "9f3c9999-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    back.object.metadata.resourceVersion = "1300";
    await applyWatchBatch(t, [back], new Date("2024-11-19T19:20:00Z"));
    expect((await liveEdges(t)).filter((e) => e.includes("pod/shop/redis-0"))).toEqual([
      "CONTROLS statefulset/shop/redis -> pod/shop/redis-0",
      "MOUNTS pod/shop/redis-0 -> persistentvolumeclaim/shop/data-redis-0",
      "RUNS_ON pod/shop/redis-0 -> node/worker-2",
      "SELECTS service/shop/redis -> pod/shop/redis-0",
    ]);
  });

  it("drops the edges an object no longer asserts, and re-matches selectors when labels change", async () => {
    const t = await freshTenant();
    await applyWatchBatch(t, clusterWatch(), T0);
    const pod = objectNamed(clusterWatch(), "Pod", "cart-7d9f8b6c5-x2k4p");
    const meta = pod.object.metadata as unknown as {
      labels: Record<string, string>;
      resourceVersion: string;
    };
    meta.labels = { app: "cart-canary" };
    meta.resourceVersion = "1500";
    (pod.object.spec as { volumes: unknown[] }).volumes = [];
    pod.type = "MODIFIED";
    await applyWatchBatch(t, [pod], T1);
    const edges = (await liveEdges(t)).filter((e) => e.includes("cart-7d9f8b6c5-x2k4p"));
    expect(edges).toEqual([
      "CONTROLS replicaset/shop/cart-7d9f8b6c5 -> pod/shop/cart-7d9f8b6c5-x2k4p",
      "MOUNTS pod/shop/cart-7d9f8b6c5-x2k4p -> secret/shop/cart-db",
      "RUNS_ON pod/shop/cart-7d9f8b6c5-x2k4p -> node/worker-1",
      // Still an endpoint of the cart Service's EndpointSlice until the slice changes.
      "SELECTS service/shop/cart -> pod/shop/cart-7d9f8b6c5-x2k4p",
    ]);
    const bySelector = await t.query(
      "SELECT 1 FROM rca_relations WHERE source_id = 'service/shop/cart#selector' AND to_id LIKE '%x2k4p' AND deleted_at IS NULL",
    );
    expect(bySelector).toEqual([]);
  });

  it("matches a new Service with the stored pods' labels as they are now, live pods only", async () => {
    const t = await freshTenant();
    await applyWatchBatch(t, clusterWatch(), T0);
    // One cart pod relabelled, the other deleted, in a batch of their own.
    const relabelled = objectNamed(clusterWatch(), "Pod", "cart-7d9f8b6c5-x2k4p");
    relabelled.type = "MODIFIED";
    Object.assign(relabelled.object.metadata, {
      labels: { app: "cart", track: "canary" },
      resourceVersion: "1500",
    });
    const deleted = objectNamed(clusterWatch(), "Pod", "cart-7d9f8b6c5-q8m3z");
    deleted.type = "DELETED";
    await applyWatchBatch(t, [relabelled, deleted], T1);
    // Then two Services, one by the new label and one by labels both pods had.
    const service = (name: string, selector: Record<string, string>) => {
      const s = objectNamed(clusterWatch(), "Service", "cart");
      Object.assign(s.object.metadata, { name, uid: `uid-${name}`, resourceVersion: "1600" });
      (s.object.spec as { selector: Record<string, string> }).selector = selector;
      return s;
    };
    await applyWatchBatch(
      t,
      [
        service("cart-canary", { app: "cart", track: "canary" }),
        service("cart-stable", { "pod-template-hash": "7d9f8b6c5" }),
      ],
      new Date(T1.getTime() + 60_000),
    );
    const selects = (await liveEdges(t)).filter((e) => e.includes("#") || e.startsWith("SELECTS"));
    expect(selects.filter((e) => /cart-(canary|stable) /.test(e))).toEqual([
      "SELECTS service/shop/cart-canary -> pod/shop/cart-7d9f8b6c5-x2k4p",
    ]);
  });

  it("records OOMKilled, CrashLoopBackOff, ImagePullBackOff, restarts, NotReady and unavailable replicas once each", async () => {
    const t = await freshTenant();
    await applyWatchBatch(t, clusterWatch(), T0);
    const res = await applyWatchBatch(t, faultsWatch(), T1);
    const events = await t.query<{
      resource_id: string;
      reason: string;
      severity: string;
      occurred_at: Date;
    }>(
      "SELECT resource_id, reason, severity, occurred_at FROM rca_events ORDER BY resource_id, reason",
    );
    expect(events.map((e) => `${e.resource_id} ${e.reason} ${e.severity}`)).toEqual([
      "deployment/shop/cart ReplicasUnavailable warning",
      "node/worker-2 NodeNotReady critical",
      "pod/shop/cart-7d9f8b6c5-q8m3z ImagePullBackOff critical",
      "pod/shop/cart-7d9f8b6c5-x2k4p CrashLoopBackOff critical",
      "pod/shop/cart-7d9f8b6c5-x2k4p OOMKilled critical",
      "pod/shop/cart-7d9f8b6c5-x2k4p Restarted warning",
    ]);
    expect(res.eventsRecorded).toBe(6);
    // Times come from the objects where they carry one.
    expect(events.find((e) => e.reason === "OOMKilled")?.occurred_at).toEqual(
      new Date("2024-11-19T19:02:11Z"),
    );
    expect(events.find((e) => e.reason === "NodeNotReady")?.occurred_at).toEqual(
      new Date("2024-11-19T19:05:40Z"),
    );

    // The kubelet reports the same states again under newer resourceVersions: no new event.
    const again = faultsWatch().map((e) => {
      e.object.metadata.resourceVersion = String(Number(e.object.metadata.resourceVersion) + 100);
      return e;
    });
    expect((await applyWatchBatch(t, again, new Date("2024-11-19T19:15:00Z"))).eventsRecorded).toBe(
      0,
    );
    // The node comes back: one NodeReady event.
    const ready = objectNamed(clusterWatch(), "Node", "worker-2");
    ready.type = "MODIFIED";
    ready.object.metadata.resourceVersion = "1400";
    const cond = (
      ready.object.status as { conditions: { type: string; lastTransitionTime: string }[] }
    ).conditions;
    for (const c of cond) if (c.type === "Ready") c.lastTransitionTime = "2024-11-19T19:12:00Z";
    await applyWatchBatch(t, [ready], new Date("2024-11-19T19:16:00Z"));
    const reasons = await t.query<{ reason: string }>(
      "SELECT reason FROM rca_events WHERE resource_id = 'node/worker-2' ORDER BY occurred_at",
    );
    expect(reasons.map((r) => r.reason)).toEqual(["NodeNotReady", "NodeReady"]);
  });

  it("records real Kubernetes Events on their involved object, once per occurrence", async () => {
    const t = await freshTenant();
    const res = await applyWatchBatch(t, realEventWatch(), T0);
    expect(res.counts.kubeEvents).toBe(2);
    const rows = await t.query<{
      resource_id: string;
      reason: string;
      severity: string;
      occurred_at: Date;
    }>("SELECT resource_id, reason, severity, occurred_at FROM rca_events ORDER BY occurred_at");
    expect(rows).toEqual([
      {
        resource_id: "pod/chq-demo-apps/memory-hog-77bc84f698-8ddlj",
        reason: "BackOff",
        severity: "warning",
        occurred_at: new Date("2024-11-19T19:28:06Z"),
      },
      expect.objectContaining({
        resource_id: "pod/chq-demo-apps/android-api-699749d6b5-86rcj",
        reason: "Pulled",
        severity: "info",
      }),
    ]);
  });

  it("counts and reports malformed objects one by one and applies the rest", async () => {
    const t = await freshTenant();
    const good = objectNamed(clusterWatch(), "Node", "worker-1");
    const noMeta = { type: "ADDED", object: { kind: "Pod", apiVersion: "v1" } };
    const noNamespace = objectNamed(clusterWatch(), "Pod", "redis-0");
    delete noNamespace.object.metadata.namespace;
    const badLabels = objectNamed(clusterWatch(), "Service", "cart");
    badLabels.object.metadata.labels = { app: 7 };
    const badContainers = objectNamed(clusterWatch(), "Pod", "cart-7d9f8b6c5-q8m3z");
    (badContainers.object.status as Record<string, unknown>).containerStatuses = [null];
    const batch = [
      noMeta,
      {
        type: "ADDED",
        object: { kind: "Frobnicator", metadata: { name: "x", namespace: "shop" } },
      },
      { type: "RENAMED", object: good.object },
      "not an event",
      noNamespace,
      badLabels,
      badContainers,
      good,
      { type: "BOOKMARK", object: { kind: "Pod", metadata: { resourceVersion: "12345" } } },
    ];
    const res = await applyWatchBatch(t, batch, T0);
    expect(res.counts).toMatchObject({ applied: 1, malformed: 7, bookmarks: 1 });
    expect(res.issues.map((i) => [i.index, i.reason])).toEqual([
      [0, "metadata is missing"],
      [1, 'unknown kind "Frobnicator"'],
      [2, 'unknown watch event type "RENAMED"'],
      [3, "not an object"],
      [4, "metadata.namespace is missing"],
      [5, "metadata.labels.app is not a string"],
      [6, expect.any(String)],
    ]);
    expect(res.issues[4]).toMatchObject({ kind: "Pod", name: "redis-0" });
    expect((await listResources(t)).items.map((r) => r.id)).toEqual(["node/worker-1"]);
  });
});
