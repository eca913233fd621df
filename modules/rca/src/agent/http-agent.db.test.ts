import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { recordUsage } from "@kamiyo/billing";
import { createLogger } from "@kamiyo/core";
import { createApiKey, createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaApi } from "../api/index.ts";
import { rcaMigrations } from "../module.ts";
import { KubeApiServer } from "../testing/kube-api-server.ts";
import { HttpTransport } from "./http-transport.ts";
import { runAgent } from "./run-agent.ts";

let h: Harness;
let kube: KubeApiServer;
let endpoint = "";
beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [rcaApi], migrations: [rcaMigrations] });
  endpoint = await h.app.listen({ host: "127.0.0.1", port: 0 });
  kube = await KubeApiServer.start();
});
afterAll(async () => {
  await kube?.close();
  await h?.close();
});

async function until<T>(fn: () => Promise<T> | T, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const agentKeyOf = async (plan: string) => {
  const t = await createTenant(h.db, {
    name: `t-${plan}-${Math.random()}`,
    plan,
    actor: "test",
    nowMs: NOW,
  });
  const agent = await createApiKey(h.db, {
    tenantId: t.tenant.id,
    name: "rca-agents",
    role: "member",
    scopes: ["ingest:write"],
    createdBy: "test",
    nowMs: NOW,
  });
  return { tenantId: t.tenant.id, owner: t.key, agent: agent.key };
};

describe(`the RCA agent over HTTPS (${testDbKind})`, () => {
  it("sends a cluster's state and Events to the HTTP ingest and reports its health, which the tenant sees", async () => {
    const t = await agentKeyOf("rca_basic");
    kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-h" },
    } as KubernetesObject);
    kube.apply({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-1.17f3b", namespace: "shop", uid: "ev-http-1" },
      involvedObject: { kind: "Pod", namespace: "shop", name: "web-1" },
      reason: "BackOff",
      message: "Back-off restarting failed container",
      type: "Warning",
      count: 2,
      firstTimestamp: "2025-03-12T08:50:00Z",
      lastTimestamp: "2025-03-12T08:55:00Z",
      source: { component: "kubelet", host: "node-h" },
    } as KubernetesObject);
    const http = new HttpTransport({ endpoint, key: t.agent });
    const agent = await runAgent({
      kubeConfig: kube.kubeConfig(),
      transport: http,
      log: createLogger("silent", {}),
      flushMs: 20,
      report: { http, agent: "agent-0", cluster: "prod-eu", version: "0.1.0", everyMs: 60_000 },
    });
    const owner = { "x-api-key": t.owner };
    const nodes = await until(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: "/rca/resources?kind=node",
        headers: owner,
      });
      return r.json().data.length > 0 ? r.json().data : null;
    }, "the node in the graph");
    expect(nodes[0].id).toBe("node/node-h");
    const events = await until(async () => {
      const r = await h.app.inject({
        method: "GET",
        url: "/rca/events?from=2025-03-12T08:00:00Z&to=2025-03-12T09:00:00Z",
        headers: owner,
      });
      return r.json().data.length > 0 ? r.json().data : null;
    }, "the Event in the graph");
    expect(events[0]).toMatchObject({ resource: "pod/shop/web-1", reason: "BackOff" });
    const seen = await until(async () => {
      const r = await h.app.inject({ method: "GET", url: "/rca/agents", headers: owner });
      return r.json().data[0];
    }, "a health report");
    expect(seen).toMatchObject({ agent: "agent-0", cluster: "prod-eu", state: "reporting" });
    expect(seen.health.publisher).toMatchObject({ refused: 0, dropped: 0 });
    await agent.stop();
    const after = await h.app.inject({ method: "GET", url: "/rca/agents", headers: owner });
    expect(after.json().data[0]).toMatchObject({ state: "stopped" });
    expect(after.json().data[0].health.publisher.published).toBeGreaterThanOrEqual(2);
  });

  it("keeps what the platform refused for the tenant's quota, and says why", async () => {
    const t = await agentKeyOf("rca_free");
    await recordUsage(
      h.db,
      [
        {
          tenantId: t.tenantId,
          product: "rca",
          meter: "events_ingested",
          value: 10_000,
          eventAt: NOW,
          idempotencyKey: "used-up",
        },
      ],
      NOW,
    );
    const agent = await runAgent({
      kubeConfig: kube.kubeConfig(),
      transport: new HttpTransport({ endpoint, key: t.agent }),
      log: createLogger("silent", {}),
      flushMs: 20,
      stopWithinMs: 100,
    });
    const health = await until(() => {
      const p = agent.health().publisher;
      return p.lastError ? p : null;
    }, "a refused round");
    expect(health.lastError).toMatch(/^\/rca\/ingest\/state: 429 .*quota of 10000 a day/);
    expect(health.buffered).toBeGreaterThan(0);
    expect(health.published).toBe(0);
    await agent.stop();
  });
});
