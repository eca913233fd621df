import { createLogger } from "@kamiyo/core";
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { createNatsTrust, tenantCredentials } from "../streams/credentials.ts";
import type { Delivered } from "../streams/ingest-bus.ts";
import { JetStreamBus } from "../streams/jetstream-bus.ts";
import { startNatsServer } from "../streams/nats-server.testing.ts";
import { KubeApiServer } from "../testing/kube-api-server.ts";
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
    const stopConsuming = platform.consume(async (m) => {
      got.push(m);
    });
    cleanup.push(stopConsuming);

    kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-a" },
    } as KubernetesObject);
    const agent = await runAgent({
      kubeConfig: kube.kubeConfig(),
      servers: nats.url,
      tenantId: TENANT,
      creds: await tenantCredentials(trust.accountSeed, TENANT),
      log: createLogger("silent", {}),
      flushMs: 20,
    });
    kube.apply({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-0", namespace: "shop" },
      spec: { nodeName: "node-a" },
    } as KubernetesObject);
    const end = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await agent.stop();
    expect(got.map((m) => [m.tenantId, m.kind, (m.body as { type: string }).type])).toEqual([
      [TENANT, "state.k8s.resource", "ADDED"],
      [TENANT, "state.k8s.resource", "ADDED"],
    ]);
    expect(got.map((m) => (m.body as { object: KubernetesObject }).object.kind).sort()).toEqual([
      "Node",
      "Pod",
    ]);
    expect(agent.health().publisher).toMatchObject({ published: 2, buffered: 0 });
  });
});
