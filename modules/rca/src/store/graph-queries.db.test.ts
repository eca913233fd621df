import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rankCandidates } from "../analysis/rank.ts";
import type { EventRow } from "../graph/state-events.ts";
import { rcaMigrations } from "../module.ts";
import { clusterWatch } from "../testing/k8s-fixtures.ts";
import { storeShopGraph } from "../testing/shop-graph.ts";
import { getAnalysis, saveAnalysis } from "./analyses.ts";
import { eventsInWindow, listResources, neighbourhood, pathsBetween } from "./graph-queries.ts";
import { loadRcaInput } from "./load-input.ts";
import { recordEvents } from "./record-events.ts";
import { applyWatchBatch } from "./write-graph.ts";

let db: Db;
let a: Db;
let b: Db;
const T0 = new Date("2024-11-19T19:00:00Z");
const T1 = new Date("2024-11-19T19:10:00Z");
const POD = "pod/shop/cart-7d9f8b6c5-x2k4p";

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  for (const t of ["ten_alpha", "ten_beta"])
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
  a = tenantDb(db, "ten_alpha");
  b = tenantDb(db, "ten_beta");
  await storeShopGraph(a, T0, T1);
});
afterAll(async () => db?.close());

describe(`graph queries (${testDbKind})`, () => {
  it("lists resources by kind, namespace and name prefix, a page at a time", async () => {
    const pods = await listResources(a, { kind: "pod", namespace: "shop" });
    expect(pods.items.map((r) => r.name)).toEqual([
      "cart-7d9f8b6c5-q8m3z",
      "cart-7d9f8b6c5-x2k4p",
      "nightly-report-28866840-7tq2w",
      "node-exporter-5lq9d",
      "redis-0",
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listResources(a, { limit: 4, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(21);
    expect(seen).toEqual([...seen].sort());
    expect(
      (await listResources(a, { namePrefix: "cart-7d9f8b6c5" })).items.map((r) => r.kind),
    ).toEqual(["pod", "pod", "replicaset"]);
    expect((await listResources(a, { namePrefix: "%" })).items).toEqual([]);
    await expect(listResources(a, { cursor: "bm9wZQ" })).rejects.toThrow(/cursor/);
  });

  it("gives a resource's neighbourhood within N hops, both directions", async () => {
    const one = await neighbourhood(a, POD, 1);
    expect(one.nodes.map((n) => `${n.depth} ${n.id}`)).toEqual([
      `0 ${POD}`,
      "1 configmap/shop/cart-config",
      "1 configmap/shop/kube-root-ca.crt",
      "1 node/worker-1",
      "1 replicaset/shop/cart-7d9f8b6c5",
      "1 secret/shop/cart-db",
      "1 service/shop/cart",
    ]);
    expect(
      one.nodes.find((n) => n.id === "configmap/shop/kube-root-ca.crt")?.resource,
    ).toBeUndefined();
    expect(one.relations).toContainEqual({
      type: "RUNS_ON",
      from: POD,
      to: "node/worker-1",
      weight: 1,
    });
    const two = await neighbourhood(a, POD, 2);
    const ids = two.nodes.map((n) => n.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "deployment/shop/cart",
        "ingress/shop/shop",
        "pod/shop/nightly-report-28866840-7tq2w",
        "service/shop/redis",
        "service/shop/frontend",
      ]),
    );
    expect(ids).not.toContain("pod/shop/redis-0");
    // Every relation returned joins two returned nodes.
    for (const r of two.relations) expect(ids).toEqual(expect.arrayContaining([r.from, r.to]));
    expect(await neighbourhood(a, "pod/shop/nope", 2)).toEqual({ nodes: [], relations: [] });
  });

  it("finds the shortest paths between two resources, and none through a tombstone", async () => {
    const [path] = await pathsBetween(a, "ingress/shop/shop", "node/worker-1");
    expect(path?.ids).toEqual(["ingress/shop/shop", "service/shop/cart", POD, "node/worker-1"]);
    expect(path?.relations.map((r) => r.type)).toEqual(["ROUTES_TO", "SELECTS", "RUNS_ON"]);
    const toRedis = await pathsBetween(
      a,
      "ingress/shop/shop",
      "persistentvolumeclaim/shop/data-redis-0",
      { maxHops: 6 },
    );
    expect(toRedis[0]?.ids).toEqual([
      "ingress/shop/shop",
      "service/shop/cart",
      "service/shop/redis",
      "pod/shop/redis-0",
      "persistentvolumeclaim/shop/data-redis-0",
    ]);
    expect(
      await pathsBetween(a, "ingress/shop/shop", "persistentvolumeclaim/shop/data-redis-0", {
        maxHops: 3,
      }),
    ).toEqual([]);
  });

  it("gives the events on resources in a window", async () => {
    const all = await eventsInWindow(a, { from: T0, to: new Date("2024-11-19T20:00:00Z") });
    // Oldest first: the OOMKill (its termination time), the node (its transition), then the
    // states seen at the batch's time.
    expect(all.map((e) => e.reason).slice(0, 3)).toEqual([
      "OOMKilled",
      "Restarted",
      "NodeNotReady",
    ]);
    expect(
      all
        .map((e) => e.reason)
        .slice(3)
        .sort(),
    ).toEqual(["CrashLoopBackOff", "ImagePullBackOff", "ReplicasUnavailable"]);
    expect(all.slice(3).every((e) => e.occurredAt.getTime() === T1.getTime())).toBe(true);
    const onPod = await eventsInWindow(a, {
      from: T0,
      to: new Date("2024-11-19T19:03:00Z"),
      resourceIds: [POD],
    });
    expect(onPod.map((e) => e.reason)).toEqual(["OOMKilled", "Restarted"]);
  });

  it("assembles the RCA input from the stored graph and metric-anomaly events, which ranks the faulty service first", async () => {
    const at = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();
    const anomaly = (
      resourceId: string,
      metric: string,
      signal: string,
      value: number,
      median: number,
      m: number,
    ): EventRow => ({
      dedupKey: `metric|${resourceId}|${metric}|${m}`,
      resourceId,
      kind: "metric_anomaly",
      reason: "MetricAnomaly",
      severity: "warning",
      message: `${metric} ${value} vs ${median}`,
      data: { metric, signal, unit: "ms", value, baseline: { median, scale: 5, n: 120 } },
      occurredAt: at(m),
    });
    expect(
      await recordEvents(
        a,
        [
          anomaly(POD, "pod_memory_working_set_mebibytes", "memory", 250, 120, 1),
          anomaly(POD, "pod_memory_working_set_mebibytes", "memory", 255, 120, 2),
          anomaly("service/shop/frontend", "latency_p90_ms", "latency", 130, 100, 2),
        ],
        T1,
      ),
    ).toBe(3);
    const symptom = { from: T0.getTime(), to: T0.getTime() + 5 * 60_000, service: "frontend" };
    const { input, events } = await loadRcaInput(a, symptom);
    expect(input.relations.filter((r) => r.type === "CALLS")).toHaveLength(2);
    expect(input.resources.find((r) => r.id === "service/shop/frontend")).toMatchObject({
      kind: "service",
      service: "frontend",
    });
    expect(input.metrics.find((m) => m.resource === POD)?.samples).toHaveLength(2);
    expect(events.map((e) => e.reason)).toContain("OOMKilled");
    const ranked = rankCandidates(input);
    // The pod's memory moved and it was OOMKilled: the cause is its workload's memory.
    expect(ranked[0]).toMatchObject({
      service: "cart",
      resource: "deployment/shop/cart",
      faultType: "memory",
      path: ["cart", "frontend"],
      causalPath: [
        "deployment/shop/cart",
        "replicaset/shop/cart-7d9f8b6c5",
        POD,
        "service/shop/cart",
        "service/shop/frontend",
      ],
    });
    expect(ranked[0]?.evidence[0]).toMatchObject({ resource: POD, signal: "memory" });
    expect(ranked[0]?.events.map((e) => `${e.reason} ${e.role}`)).toContain("OOMKilled effect");
    const id = await saveAnalysis(a, { symptom, result: ranked, createdAt: T1, durationMs: 12.5 });
    expect(await getAnalysis(a, id)).toEqual({
      id,
      symptom,
      result: ranked,
      createdAt: T1,
      durationMs: 12.5,
    });
    expect(await getAnalysis(b, id)).toBeUndefined();
  });

  it("shows tenant B none of A's graph, as kamiyo_app under row-level security", async () => {
    const [who] = await b.query<{ user: string }>("SELECT current_user AS user");
    expect(who?.user).toBe("kamiyo_app");
    expect((await listResources(b)).items).toEqual([]);
    expect(await neighbourhood(b, POD, 3)).toEqual({ nodes: [], relations: [] });
    expect(await pathsBetween(b, "ingress/shop/shop", "node/worker-1")).toEqual([]);
    expect(await eventsInWindow(b, { from: T0, to: new Date("2024-11-19T20:00:00Z") })).toEqual([]);
    for (const table of ["rca_resources", "rca_relations", "rca_events", "rca_analyses"])
      expect(await b.query(`SELECT 1 FROM ${table}`), table).toEqual([]);
    // B writing the same objects gets a graph of its own, and A's is untouched.
    await applyWatchBatch(b, clusterWatch().slice(0, 2), T0);
    expect((await listResources(b)).items.map((r) => r.id)).toEqual([
      "node/worker-1",
      "node/worker-2",
    ]);
    expect((await listResources(a, { kind: "node" })).items).toHaveLength(2);
    await expect(
      b.query(
        `INSERT INTO rca_resources (tenant_id, id, kind, name, first_seen_at, last_seen_at)
         VALUES ('ten_alpha', 'node/planted', 'node', 'planted', now(), now())`,
      ),
    ).rejects.toThrow(/row-level security/);
    // Without a tenant's view the writer refuses: no tenant to write for.
    await expect(applyWatchBatch(db, clusterWatch().slice(0, 1), T0)).rejects.toThrow();
  });
});
