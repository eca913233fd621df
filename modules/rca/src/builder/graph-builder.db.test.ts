import { createLogger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeK8sEvent } from "../ingest/k8s-events.ts";
import { rcaMigrations } from "../module.ts";
import { eventsInWindow, listResources } from "../store/graph-queries.ts";
import { MemoryBus } from "../streams/memory-bus.ts";
import { startGraphBuilder } from "./graph-builder.ts";

const A = "ten_build_a";
const B = "ten_build_b";
const AT = new Date("2026-12-06T08:00:30Z");
let db: Db;

beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  for (const t of [A, B]) await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [t]);
});
afterAll(async () => db?.close());

const node = (name: string) => ({
  type: "ADDED",
  object: {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, resourceVersion: "7" },
  },
});
const pod = (ns: string, name: string, nodeName: string) => ({
  type: "ADDED",
  object: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: "9" },
    spec: { nodeName, containers: [{ name: "app", image: "shop/app:1" }] },
    status: { phase: "Running" },
  },
});
const oom = normalizeK8sEvent({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web-0.17f3a", namespace: "shop", uid: "ev-1" },
  involvedObject: { kind: "Pod", namespace: "shop", name: "web-0" },
  reason: "OOMKilling",
  message: "Memory cgroup out of memory: Killed process 4242 (java)",
  type: "Warning",
  count: 1,
  firstTimestamp: "2026-12-06T08:00:00Z",
  lastTimestamp: "2026-12-06T08:00:00Z",
  source: { component: "kubelet", host: "node-a" },
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`the graph builder on the ingest streams (${testDbKind})`, () => {
  it("writes each tenant's messages into that tenant's graph only, and stores a re-sent message's content once", async () => {
    const bus = new MemoryBus({ retryMs: 10 });
    const builder = startGraphBuilder(bus, db, { log: createLogger("silent", {}), now: () => AT });
    await bus.publish(A, "state.k8s.resource", [
      { id: "n1", body: node("node-a") },
      { id: "p1", body: pod("shop", "web-0", "node-a") },
    ]);
    await bus.publish(B, "state.k8s.resource", [{ id: "n1", body: node("node-b") }]);
    await bus.publish(A, "events.normalized", [{ id: oom.dedupeKey, body: oom }]);
    await bus.publish(A, "alerts.raw", [{ id: "x", body: { not: "read yet" } }]);
    const ids = async (t: string) =>
      (await listResources(tenantDb(db, t))).items.map((r) => r.id).sort();
    await until(
      async () => builder.stats().events === 1 && builder.stats().objects === 3,
      "the builder",
    );
    expect(await ids(A)).toEqual(["node/node-a", "pod/shop/web-0"]);
    expect(await ids(B)).toEqual(["node/node-b"]);
    const window = { from: new Date("2026-12-06T07:00:00Z"), to: new Date("2026-12-06T09:00:00Z") };
    const events = await eventsInWindow(tenantDb(db, A), window);
    expect(events.map((e) => [e.resourceId, e.kind, e.reason])).toEqual([
      ["pod/shop/web-0", "k8s_event", "OOMKilling"],
    ]);
    expect(await eventsInWindow(tenantDb(db, B), window)).toEqual([]);

    // The agent restarted and sent the same things under new message ids: nothing doubles.
    await bus.publish(A, "state.k8s.resource", [
      { id: "p1-again", body: pod("shop", "web-0", "node-a") },
    ]);
    await bus.publish(A, "events.normalized", [{ id: "oom-again", body: oom }]);
    await until(async () => builder.stats().objects === 4, "the re-sent pod");
    await until(async () => builder.stats().ignored === 1, "the unread kind");
    expect((await eventsInWindow(tenantDb(db, A), window)).length).toBe(1);
    expect(builder.stats()).toMatchObject({ events: 1, malformed: 0 });
    await builder.stop();
  });

  it("leaves out an event it cannot store, counted, and writes the rest of its batch", async () => {
    const bus = new MemoryBus({ retryMs: 10 });
    const builder = startGraphBuilder(bus, db, {
      log: createLogger("silent", {}),
      now: () => AT,
      batch: { maxMessages: 10, maxWaitMs: 0 },
    });
    const later = { ...oom, dedupeKey: "k8s:ev-2:1", occurredAt: AT.getTime() };
    await bus.publish(B, "events.normalized", [
      // No time, no severity: no row can be made of it, however often it is delivered.
      { id: "broken", body: { kind: "metric_anomaly", resource: "pod/shop/web-0" } },
      { id: "fine", body: later },
    ]);
    await until(async () => builder.stats().batches === 1, "the batch");
    expect(builder.stats()).toMatchObject({ events: 1, malformed: 1, batches: 1 });
    const window = { from: new Date("2026-12-06T07:00:00Z"), to: new Date("2026-12-06T09:00:00Z") };
    expect((await eventsInWindow(tenantDb(db, B), window)).map((e) => e.reason)).toEqual([
      "OOMKilling",
    ]);
    await builder.stop();
  });
});
