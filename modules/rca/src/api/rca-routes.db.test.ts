import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { tenantDb } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { applyWatchBatch } from "../store/write-graph.ts";
import { clusterWatch, faultsWatch } from "../testing/k8s-fixtures.ts";
import { rcaApi } from "./index.ts";

const T0 = new Date("2024-11-19T19:00:00Z");
const T1 = new Date("2024-11-19T19:10:00Z");
let h: Harness;

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [rcaApi], migrations: [rcaMigrations] });
  const t = tenantDb(h.db, h.deps.tenantId);
  await applyWatchBatch(t, clusterWatch(), T0);
  await applyWatchBatch(t, faultsWatch(), T1);
});
afterAll(async () => h?.close());

const post = (url: string, payload: object) =>
  h.app.inject({ method: "POST", url, payload: payload as Record<string, unknown> });

describe(`the RCA API (${testDbKind})`, () => {
  it("lists the tenant's resources, filtered by kind and namespace, paged", async () => {
    const pods = await h.get("/rca/resources?kind=pod&namespace=shop", "/rca/resources");
    expect(pods.data.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining(["pod/shop/cart-7d9f8b6c5-x2k4p", "pod/shop/redis-0"]),
    );
    expect(pods.data.every((r: { kind: string }) => r.kind === "pod")).toBe(true);
    const first = await h.get("/rca/resources?limit=5", "/rca/resources");
    expect(first.data).toHaveLength(5);
    const next = await h.get(`/rca/resources?limit=5&cursor=${first.nextCursor}`, "/rca/resources");
    expect(next.data[0].id > first.data[4].id).toBe(true);
    const bad = await h.app.inject({ method: "GET", url: "/rca/resources?kind=lambda" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("kind");
  });

  it("gives a resource's neighbourhood: what controls it, where it runs, what selects it", async () => {
    const n = await h.get(
      "/rca/neighbourhood?resource=pod/shop/cart-7d9f8b6c5-x2k4p&hops=1",
      "/rca/neighbourhood",
    );
    const edges = n.relations.map(
      (r: { type: string; from: string; to: string }) => `${r.type} ${r.from} -> ${r.to}`,
    );
    expect(edges).toEqual(
      expect.arrayContaining([
        "CONTROLS replicaset/shop/cart-7d9f8b6c5 -> pod/shop/cart-7d9f8b6c5-x2k4p",
        "SELECTS service/shop/cart -> pod/shop/cart-7d9f8b6c5-x2k4p",
      ]),
    );
    expect(
      edges.some((e: string) => e.startsWith("RUNS_ON pod/shop/cart-7d9f8b6c5-x2k4p -> node/")),
    ).toBe(true);
    await h.get("/rca/neighbourhood?resource=pod/shop/nothing-here", "/rca/neighbourhood", 404);
    const bad = await h.app.inject({
      method: "GET",
      url: "/rca/neighbourhood?resource=not%20an%20id",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("resource");
  });

  it("lists the events on resources in a window: the faults the cluster's state showed", async () => {
    const events = await h.get(
      "/rca/events?from=2024-11-19T18:55:00Z&to=2024-11-19T19:30:00Z",
      "/rca/events",
    );
    const reasons = events.data.map((e: { reason: string }) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["OOMKilled", "ImagePullBackOff"]));
    const before = await h.get(
      "/rca/events?from=2024-11-19T18:00:00Z&to=2024-11-19T18:30:00Z",
      "/rca/events",
    );
    expect(before.data).toEqual([]);
    const backwards = await h.app.inject({
      method: "GET",
      url: "/rca/events?from=2024-11-19T19:30:00Z&to=2024-11-19T19:00:00Z",
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toContain("from must be before to");
  });

  it("runs an RCA query, stores it, and reads it back by id", async () => {
    const res = await post("/rca/analyses", {
      from: "2024-11-19T19:05:00Z",
      to: "2024-11-19T19:15:00Z",
    });
    expect(res.statusCode, res.body).toBe(201);
    const made = res.json();
    h.expectValid("POST", "/rca/analyses", 201, made);
    expect(made.id).toMatch(/^rca_/);
    expect(made.symptom).toEqual({
      from: "2024-11-19T19:05:00.000Z",
      to: "2024-11-19T19:15:00.000Z",
    });
    // The faults of the window (an OOMKill, an image that does not pull) come with their causal
    // path of resources and the events behind them.
    expect(made.candidates.length).toBeGreaterThan(0);
    const top = made.candidates[0];
    expect(top.causalPath[0]).toBe(top.resource);
    expect(top.events.some((e: { role: string }) => e.role === "cause")).toBe(true);
    const again = await h.get(`/rca/analyses/${made.id}`, "/rca/analyses/{id}");
    expect(again).toEqual(made);
    await h.get("/rca/analyses/rca_nope", "/rca/analyses/{id}", 404);
    // Each query is one RCA query of the plan's meter.
    const used = await h.db.query<{ n: number }>(
      "SELECT sum(value)::int AS n FROM usage_events WHERE product = 'rca' AND meter = 'rca_queries'",
    );
    expect(used[0]?.n).toBe(1);
    // And counted for the tenant in /metrics (the RCA usage dashboards).
    const metrics = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain(`kamiyo_rca_queries_total{tenant="${h.deps.tenantId}"} 1`);
    const bad = await post("/rca/analyses", { from: "yesterday", to: "2024-11-19T19:15:00Z" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain("from");
  });
});

describe(`what is going wrong, and the analyses asked (${testDbKind})`, () => {
  it("groups the window's warning and critical events per resource: critical first, then the latest", async () => {
    const res = await h.get(
      "/rca/incidents?from=2024-11-19T18:55:00Z&to=2024-11-19T19:30:00Z",
      "/rca/incidents",
    );
    expect(
      res.data.map((i: { resource: string; severity: string; service: string | null }) => [
        i.resource,
        i.severity,
        i.service,
      ]),
    ).toEqual([
      ["pod/shop/cart-7d9f8b6c5-q8m3z", "critical", "cart"],
      ["pod/shop/cart-7d9f8b6c5-x2k4p", "critical", "cart"],
      ["node/worker-2", "critical", null],
      ["deployment/shop/cart", "warning", "cart"],
    ]);
    // The OOMKilled pod: its kill, then its restart and the back-off, counted by reason.
    expect(res.data[1]).toEqual({
      resource: "pod/shop/cart-7d9f8b6c5-x2k4p",
      kind: "pod",
      service: "cart",
      severity: "critical",
      count: 3,
      firstSeenAt: "2024-11-19T19:02:11.000Z",
      lastSeenAt: "2024-11-19T19:10:00.000Z",
      reasons: [
        { reason: "CrashLoopBackOff", count: 1 },
        { reason: "OOMKilled", count: 1 },
        { reason: "Restarted", count: 1 },
      ],
      deleted: false,
    });
    // The window is [from, to): the node's NotReady at 19:05:40 alone.
    const narrow = await h.get(
      "/rca/incidents?from=2024-11-19T19:05:40Z&to=2024-11-19T19:10:00Z",
      "/rca/incidents",
    );
    expect(narrow.data.map((i: { resource: string }) => i.resource)).toEqual(["node/worker-2"]);
    const top = await h.get(
      "/rca/incidents?from=2024-11-19T18:55:00Z&to=2024-11-19T19:30:00Z&limit=1",
      "/rca/incidents",
    );
    expect(top.data).toHaveLength(1);
    const backwards = await h.app.inject({
      method: "GET",
      url: "/rca/incidents?from=2024-11-19T19:30:00Z&to=2024-11-19T19:00:00Z",
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toContain("from must be before to");
  });

  it("lists the stored analyses newest first, each with its best candidate, paged", async () => {
    const made: string[] = [];
    for (const [i, service] of ["cart", "frontend", "redis"].entries()) {
      h.clock.advanceTo(h.clock.now() + 60_000);
      const res = await post("/rca/analyses", {
        from: `2024-11-19T19:0${i}:00Z`,
        to: "2024-11-19T19:15:00Z",
        service,
      });
      expect(res.statusCode, res.body).toBe(201);
      made.push(res.json().id);
    }
    const first = await h.get("/rca/analyses?limit=2", "/rca/analyses");
    expect(first.data.map((a: { id: string }) => a.id)).toEqual([made[2], made[1]]);
    expect(first.data[0]).toMatchObject({
      symptom: {
        from: "2024-11-19T19:02:00.000Z",
        to: "2024-11-19T19:15:00.000Z",
        service: "redis",
      },
    });
    const full = await h.get(`/rca/analyses/${made[2]}`, "/rca/analyses/{id}");
    expect(first.data[0].candidates).toBe(full.candidates.length);
    expect(first.data[0].top).toEqual(full.candidates[0] ?? null);
    const rest = await h.get(`/rca/analyses?limit=2&cursor=${first.nextCursor}`, "/rca/analyses");
    // The third of these, then the one the earlier test made; nothing after.
    expect(rest.data.map((a: { id: string }) => a.id).slice(0, 1)).toEqual([made[0]]);
    expect(rest.data).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    const forged = await h.app.inject({
      method: "GET",
      url: "/rca/analyses?cursor=bm90LWEtY3Vyc29y",
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.message).toContain("cursor");
  });
});
