import { createLogger } from "@kamiyo/core";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { createNatsTrust, tenantCredentials } from "../streams/credentials.ts";
import type { Delivered } from "../streams/ingest-bus.ts";
import { JetStreamBus } from "../streams/jetstream-bus.ts";
import { startNatsServer } from "../streams/nats-server.testing.ts";
import { KubeApiServer } from "../testing/kube-api-server.ts";
import { NatsTransport } from "./nats-transport.ts";
import { runAgent } from "./run-agent.ts";

const TENANT = "ten_cluster1";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe("the RCA agent, end to end", () => {
  it("takes a cluster's objects and changes to the tenant's stream on the platform, where the graph builder's consumer gets them", async () => {
    const trust = await createNatsTrust();
    const nats = await startNatsServer(trust.serverConfig);
    const kube = await KubeApiServer.start();
    cleanup.push(nats.stop, () => kube.close());
    const platform = await JetStreamBus.connect({
      servers: nats.url,
      creds: trust.platformCreds,
      tenants: async () => [TENANT],
    });
    cleanup.push(() => platform.close());
    await platform.ensureStream(TENANT);
    const got: Delivered[] = [];
    const stopConsuming = platform.consume(async (batch) => {
      got.push(...batch);
    });
    cleanup.push(stopConsuming);

    kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-a" },
    } as KubernetesObject);
    const agent = await runAgent({
      kubeConfig: kube.kubeConfig(),
      transport: new NatsTransport({
        servers: nats.url,
        tenantId: TENANT,
        creds: await tenantCredentials(trust.accountSeed, TENANT),
      }),
      log: createLogger("silent", {}),
      flushMs: 20,
    });
    kube.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-0", namespace: "shop" },
      spec: { nodeName: "node-a" },
    } as KubernetesObject);
    // The kubelet records the pod's container being killed for memory (a core/v1 Event).
    kube.apply({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-0.17f3a", namespace: "shop", uid: "ev-1" },
      involvedObject: { kind: "Pod", namespace: "shop", name: "web-0", uid: "pod-1" },
      reason: "OOMKilling",
      message: "Memory cgroup out of memory: Killed process 4242 (java)",
      type: "Warning",
      count: 1,
      firstTimestamp: "2026-12-06T08:00:00Z",
      lastTimestamp: "2026-12-06T08:00:00Z",
      source: { component: "kubelet", host: "node-a" },
    } as KubernetesObject);
    const end = Date.now() + 10_000;
    while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await agent.stop();
    const state = got.filter((m) => m.kind === "state.k8s.resource");
    expect(state.map((m) => [m.tenantId, (m.body as { type: string }).type])).toEqual([
      [TENANT, "ADDED"],
      [TENANT, "ADDED"],
    ]);
    expect(state.map((m) => (m.body as { object: KubernetesObject }).object.kind).sort()).toEqual([
      "Node",
      "Pod",
    ]);
    const events = got.filter((m) => m.kind === "events.normalized");
    expect(events).toHaveLength(1);
    expect(events[0]?.body).toMatchObject({
      resource: "pod/shop/web-0",
      reason: "OOMKilling",
      severity: "warning",
    });
    expect(agent.health().publisher).toMatchObject({ published: 3, buffered: 0 });
  });
});
