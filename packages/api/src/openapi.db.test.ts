import { Validator } from "@seriousme/openapi-schema-validator";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness } from "./testing/api-harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await apiHarness();
});
afterAll(async () => {
  await h.close();
});

const ROUTES = [
  "/health",
  "/ready",
  "/metrics",
  "/meta",
  "/stats",
  "/security/events",
  "/security/events/{id}",
  "/stream",
  "/stream/ws",
  "/webhooks",
  "/webhooks/{id}",
  "/webhooks/{id}/rotate-secret",
  "/webhooks/{id}/test",
  "/webhooks/{id}/deliveries",
  "/webhooks/{id}/deliveries/{deliveryId}/replay",
  "/silences",
  "/channels",
  "/channels/{id}",
  "/channels/{id}/test",
  "/channels/{id}/deliveries",
  "/silences/{id}",
  "/tenants/me",
  "/usage",
  "/billing/subscription",
  "/billing/subscription/{product}",
  "/billing/checkout",
  "/billing/portal",
  "/billing/stripe/webhook",
  "/invoices",
  "/invoices/upcoming",
  "/plans",
  "/figures",
  "/members",
  "/members/{id}",
  "/api-keys",
  "/api-keys/{id}",
  "/api-keys/{id}/rotate",
  "/audit-log",
  "/audit-log/export",
  "/admin/tenants",
  "/admin/tenants/{id}",
  "/auth/session",
  "/auth/password",
];

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document, checked by a real validator", async () => {
    const res = await h.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("documents every route with its parameters and error responses", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(Object.keys(doc.paths).sort()).toEqual([...ROUTES].sort());
    const events = doc.paths["/security/events"].get;
    expect(events.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      "cursor",
      "detector",
      "limit",
      "severity",
      "since",
      "status",
      "subject",
      "until",
    ]);
    for (const status of ["200", "400", "401", "404", "429", "500"])
      expect(events.responses[status], status).toBeDefined();
    expect(doc.components.schemas.Finding).toBeDefined();
  });

  it("serves the docs UI", async () => {
    const res = await h.app.inject({ method: "GET", url: "/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
  });
});

describe("/metrics", () => {
  it("parses with a Prometheus text-format parser and counts requests by route and status", async () => {
    await h.app.inject({ method: "GET", url: "/security/events?limit=5" });
    await h.app.inject({ method: "GET", url: "/security/events?limit=0" });
    const res = await h.app.inject({ method: "GET", url: "/metrics" });
    expect(res.headers["content-type"]).toContain("text/plain");
    const families = parsePrometheusTextFormat(res.body) as {
      name: string;
      type: string;
      metrics: { labels?: Record<string, string>; value?: string }[];
    }[];
    const byName = new Map(families.map((f) => [f.name, f]));
    const requests = byName.get("kamiyo_http_requests_total");
    expect(requests?.type).toBe("COUNTER");
    const count = (status: string) =>
      Number(
        requests?.metrics.find(
          (m) => m.labels?.route === "/security/events" && m.labels?.status === status,
        )?.value,
      );
    expect(count("200")).toBeGreaterThanOrEqual(1);
    expect(count("400")).toBeGreaterThanOrEqual(1);
    expect(byName.get("kamiyo_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    for (const name of [
      "kamiyo_process_cpu_user_seconds_total",
      "kamiyo_nodejs_heap_size_used_bytes",
      "kamiyo_stream_clients",
    ])
      expect(byName.has(name), name).toBe(true);
  });
});
