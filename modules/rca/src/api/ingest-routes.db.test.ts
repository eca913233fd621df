import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { recordUsage } from "@kamiyo/billing";
import { createApiKey, createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRemoteWrite } from "../ingest/remote-write-encode.ts";
import { rcaMigrations } from "../module.ts";
import { clusterWatch } from "../testing/k8s-fixtures.ts";
import { rcaApi } from "./index.ts";

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), "utf8"));

let h: Harness;
beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [rcaApi], migrations: [rcaMigrations] });
});
afterAll(async () => h?.close());

const tenant = async (plan: string) => {
  const made = await createTenant(h.db, {
    name: `t-${Math.random()}`,
    plan,
    actor: "test",
    nowMs: NOW,
  });
  return { id: made.tenant.id, key: made.key };
};
const send = (
  key: string,
  url: string,
  body: string | Buffer | Uint8Array,
  headers: Record<string, string> = {},
) =>
  h.app.inject({
    method: "POST",
    url,
    payload: Buffer.from(body),
    headers: { "x-api-key": key, "content-type": "application/json", ...headers },
  });
const json = (v: unknown) => JSON.stringify(v);
const metered = async (tenantId: string) => {
  const rows = await h.db.query<{ n: string; records: number }>(
    `SELECT coalesce(sum(value), 0)::text AS n, count(*)::int AS records FROM usage_events
     WHERE tenant_id = $1 AND meter = 'events_ingested'`,
    [tenantId],
  );
  return { events: Number(rows[0]?.n), records: rows[0]?.records };
};
/** Polls until `fn` gives something truthy (the graph builder runs beside the API). */
async function eventually<T>(fn: () => Promise<T>, what: string): Promise<NonNullable<T>> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

describe(`the RCA ingest routes (${testDbKind})`, () => {
  it("takes the state watcher's watch events into the tenant's graph and meters them once", async () => {
    const t = await tenant("rca_basic");
    const watch = clusterWatch();
    const body = gzipSync(json(watch));
    const res = await send(t.key, "/rca/ingest/state", body, { "content-encoding": "gzip" });
    expect(res.statusCode).toBe(202);
    h.expectValid("POST", "/rca/ingest/state", 202, res.json());
    expect(res.json()).toMatchObject({
      received: watch.length,
      accepted: watch.length,
      refusedCount: 0,
    });
    const pods = await eventually(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: "/rca/resources?kind=pod",
        headers: { "x-api-key": t.key },
      });
      return r.json().data.length > 0 ? r.json().data : null;
    }, "pods in the graph");
    expect(pods.map((p: { id: string }) => p.id)).toContain("pod/shop/cart-7d9f8b6c5-x2k4p");
    expect(await metered(t.id)).toEqual({ events: watch.length, records: 1 });
    // The same body again: nothing new queued, nothing more metered.
    const again = await send(t.key, "/rca/ingest/state", body, { "content-encoding": "gzip" });
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: watch.length });
    expect(await metered(t.id)).toEqual({ events: watch.length, records: 1 });
  });

  it("refuses bad items one by one, and the whole body only when nothing in it is usable", async () => {
    const t = await tenant("rca_basic");
    const good = clusterWatch()[0];
    const mixed = await send(
      t.key,
      "/rca/ingest/state",
      json([{ type: "ADDED" }, good, { type: "RENAMED", object: good?.object }]),
    );
    expect(mixed.statusCode).toBe(202);
    expect(mixed.json().refused).toEqual([
      { index: 0, reason: "no object" },
      { index: 2, reason: 'type "RENAMED" is not ADDED, MODIFIED or DELETED' },
    ]);
    const none = await send(
      t.key,
      "/rca/ingest/state",
      json([{ type: "ADDED", object: { kind: "Pod", metadata: {} } }]),
    );
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toBe(
      "no item could be used: item 0: object.metadata.name is missing",
    );
    const notJson = await send(t.key, "/rca/ingest/state", "{oops");
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.message).toMatch(/^state: the body is not JSON/);
    const brotli = await send(t.key, "/rca/ingest/state", "[]", { "content-encoding": "br" });
    expect(brotli.statusCode).toBe(400);
    expect(brotli.json().error.message).toContain("Content-Encoding");
    const metrics = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(
      /kamiyo_rca_ingest_refusals_total\{route="\/rca\/ingest\/state",reason="invalid"\} [3-9]/,
    );
  });

  it("takes Kubernetes Events, refusing one stamped ahead of the server's clock", async () => {
    const t = await tenant("rca_basic");
    const events = fixture("k8s-events/cardinalhq-k8sobjects-watch-events.json") as {
      object: Record<string, unknown>;
    }[];
    const future = structuredClone(events[0]) as { object: Record<string, unknown> };
    future.object.lastTimestamp = new Date(NOW + 3_600_000).toISOString();
    (future.object.metadata as { uid: string }).uid = "future-uid";
    const res = await send(t.key, "/rca/ingest/k8s-events", json([...events, future]));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ received: 3, accepted: 2, refusedCount: 1 });
    expect(res.json().refused[0].reason).toMatch(/ahead of the server's clock \(clock skew\?\)$/);
    const stored = await eventually(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: "/rca/events?from=2024-11-19T00:00:00Z&to=2024-11-20T00:00:00Z",
        headers: { "x-api-key": t.key },
      });
      return r.json().data.length === 2 ? r.json().data : null;
    }, "two events stored");
    expect(stored.map((e: { reason: string }) => e.reason).sort()).toEqual(["BackOff", "Pulled"]);
  });

  it("turns Vector's error log lines into a burst on the pod, counting each error line", async () => {
    const t = await tenant("rca_basic");
    const [line] = fixture("vector-logs/kubernetes-logs-sample.json") as Record<string, unknown>[];
    const at = (s: number) => new Date(NOW - 10 * 60_000 + s * 1_000).toISOString();
    const ndjson = [
      { ...line, timestamp: at(1) },
      { ...line, timestamp: at(2), message: "I1015 serving on :8080" },
      { ...line, timestamp: at(3) },
      { nope: true },
    ]
      .map((r) => json(r))
      .join("\n");
    const res = await send(t.key, "/rca/ingest/logs", ndjson, {
      "content-type": "application/x-ndjson",
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ received: 4, accepted: 3, refusedCount: 1 });
    expect(res.json().refused[0].index).toBe(3);
    expect(await metered(t.id)).toEqual({ events: 2, records: 1 });
    const burst = await eventually(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: `/rca/events?from=${new Date(NOW - 3_600_000).toISOString()}&to=${new Date(NOW).toISOString()}`,
        headers: { "x-api-key": t.key },
      });
      return r.json().data[0];
    }, "a log burst stored");
    expect(burst).toMatchObject({
      resource: "pod/kube-system/storage-provisioner",
      kind: "log_burst",
    });
    expect(burst.data.count).toBe(2);
  });

  it("reads Prometheus remote write into the streaming detector: a latency jump becomes an anomaly", async () => {
    const t = await tenant("rca_basic");
    const labels = [
      ["__name__", "http_request_duration_seconds"],
      ["namespace", "shop"],
      ["pod", "cart-7d9f8b6c5-x2k4p"],
    ] as const;
    const start = NOW - 80 * 60_000;
    const samples: [number, number][] = [];
    for (let i = 0; i < 80 * 4; i++) {
      const at = start + i * 15_000;
      samples.push([at, at < NOW - 6 * 60_000 ? 0.1 + (i % 7) * 0.002 : 0.9]);
    }
    const body = encodeRemoteWrite([{ labels, samples }]);
    const headers = {
      "content-type": "application/x-protobuf",
      "content-encoding": "snappy",
      "x-prometheus-remote-write-version": "0.1.0",
    };
    const res = await send(t.key, "/rca/ingest/prometheus/write", body, headers);
    expect(res.statusCode).toBe(202);
    h.expectValid("POST", "/rca/ingest/prometheus/write", 202, res.json());
    expect(res.json()).toMatchObject({ series: 1, samples: samples.length, events: 1 });
    const anomaly = await eventually(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: `/rca/events?from=${new Date(start).toISOString()}&to=${new Date(NOW + 1).toISOString()}`,
        headers: { "x-api-key": t.key },
      });
      return r.json().data[0];
    }, "an anomaly stored");
    expect(anomaly).toMatchObject({
      resource: "pod/shop/cart-7d9f8b6c5-x2k4p",
      kind: "metric_anomaly",
    });
    // Sent again (a sender's retry): the samples are not newer, so they are counted as dropped.
    const retry = await send(t.key, "/rca/ingest/prometheus/write", body, headers);
    expect(retry.json().dropped.out_of_order).toBe(samples.length);
    // Counted in /metrics: what the detector took and refused, and the billed events.
    const metrics = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toMatch(
      new RegExp(
        `kamiyo_rca_ingest_items_total\\{route="/rca/ingest/prometheus/write",outcome="refused"\\} ${samples.length}`,
      ),
    );
    expect(metrics).toContain(`kamiyo_rca_events_ingested_total{tenant="${t.id}"} 1`);
    const wrong = await send(t.key, "/rca/ingest/prometheus/write", body, {
      ...headers,
      "content-encoding": "gzip",
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toContain('Content-Encoding is "gzip", expected "snappy"');
  });

  it("turns OpenTelemetry traces into CALLS edges between the namespace's services", async () => {
    const t = await tenant("rca_basic");
    const resource = (service: string) => ({
      attributes: [
        { key: "service.name", value: { stringValue: service } },
        { key: "k8s.namespace.name", value: { stringValue: "shop" } },
      ],
    });
    const span = (spanId: string, parentSpanId?: string) => ({
      traceId: "5B8EFFF798038103D269B633813FC60C",
      spanId,
      ...(parentSpanId ? { parentSpanId } : {}),
      name: "op",
      kind: 2,
      startTimeUnixNano: "1741766400000000000",
      endTimeUnixNano: "1741766400100000000",
    });
    // The child ends first: cart's span comes before frontend's, its parent.
    const body = {
      resourceSpans: [
        { resource: resource("cart"), scopeSpans: [{ spans: [span("B2", "A1")] }] },
        { resource: resource("frontend"), scopeSpans: [{ spans: [span("A1")] }] },
        { resource: { attributes: [] }, scopeSpans: [{ spans: [span("C3", "A1")] }] },
      ],
    };
    const res = await send(t.key, "/rca/ingest/otlp/v1/traces", gzipSync(json(body)), {
      "content-encoding": "gzip",
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ spans: 3, withoutService: 1, calls: 1 });
    const calls = await eventually(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: "/rca/neighbourhood?resource=service/shop/frontend&hops=1",
        headers: { "x-api-key": t.key },
      });
      return r.statusCode === 200
        ? r.json().relations.filter((x: { type: string }) => x.type === "CALLS")
        : null;
    }, "the call edge stored");
    expect(calls).toEqual([
      { type: "CALLS", from: "service/shop/frontend", to: "service/shop/cart", weight: 1 },
    ]);
    const bad = await send(t.key, "/rca/ingest/otlp/v1/traces", json({ resourceSpans: "no" }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^traces: not an OTLP traces export: resourceSpans/);
  });

  it("holds a tenant to its plan's events a day: 429 with Retry-After, and nothing of the request queued", async () => {
    const t = await tenant("rca_free");
    // 9,999 of the free plan's 10,000 events already metered today.
    await recordUsage(
      h.db,
      [
        {
          tenantId: t.id,
          product: "rca",
          meter: "events_ingested",
          value: 9_999,
          eventAt: NOW - 60_000,
          idempotencyKey: "earlier",
        },
      ],
      NOW,
    );
    const [a, b] = clusterWatch();
    const refused = await send(t.key, "/rca/ingest/state", json([a, b]));
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe("quota_exceeded");
    expect(refused.json().error.message).toMatch(
      /^2 events more would pass the rca_free plan's quota of 10000 a day \(1 left\)/,
    );
    expect(Number(refused.headers["retry-after"])).toBe((86_400_000 - (NOW % 86_400_000)) / 1000);
    const one = await send(t.key, "/rca/ingest/state", json([a]));
    expect(one.statusCode).toBe(202);
    expect((await send(t.key, "/rca/ingest/state", json([b]))).statusCode).toBe(429);
    expect(await metered(t.id)).toEqual({ events: 10_000, records: 2 });
  });

  it("holds a tenant to its plan's RCA queries a period", async () => {
    const t = await tenant("rca_free");
    await recordUsage(
      h.db,
      [
        {
          tenantId: t.id,
          product: "rca",
          meter: "rca_queries",
          value: 100,
          eventAt: NOW,
          idempotencyKey: "earlier-queries",
        },
      ],
      NOW,
    );
    const res = await h.app.inject({
      method: "POST",
      url: "/rca/analyses",
      headers: { "x-api-key": t.key },
      payload: { from: "2025-03-12T08:00:00Z", to: "2025-03-12T08:05:00Z" },
    });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.message).toMatch(
      /^1 query more would pass the rca_free plan's quota of 100 a billing period \(0 left\)/,
    );
  });

  it("needs the ingest:write scope, which an agent's key holds without being able to read", async () => {
    const t = await tenant("rca_basic");
    const agent = await createApiKey(h.db, {
      tenantId: t.id,
      name: "agent",
      role: "member",
      scopes: ["ingest:write"],
      createdBy: "test",
      nowMs: NOW,
    });
    const viewer = await createApiKey(h.db, {
      tenantId: t.id,
      name: "viewer",
      role: "viewer",
      createdBy: "test",
      nowMs: NOW,
    });
    const body = json(clusterWatch().slice(0, 1));
    expect((await send(agent.key, "/rca/ingest/state", body)).statusCode).toBe(202);
    const denied = await send(viewer.key, "/rca/ingest/state", body);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toContain('"ingest:write"');
    const read = await h.app.inject({
      method: "GET",
      url: "/rca/resources",
      headers: { "x-api-key": agent.key },
    });
    expect(read.statusCode).toBe(403);
  });
});
