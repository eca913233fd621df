import { createLogger } from "@kamiyo/core";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { createNatsTrust, tenantCredentials } from "../streams/credentials.ts";
import { JetStreamBus } from "../streams/jetstream-bus.ts";
import { freePort, startNatsServer } from "../streams/nats-server.testing.ts";
import { AgentPublisher } from "./agent-publisher.ts";
import { NatsTransport } from "./nats-transport.ts";

const TENANT = "ten_agent";
const quiet = createLogger("silent", {});
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the agents' publisher", () => {
  it("keeps what it collected while the platform is unreachable, retries with backoff, and delivers each message once", async () => {
    const trust = await createNatsTrust();
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const publisher = new AgentPublisher({
      transport: new NatsTransport({
        servers: url,
        tenantId: TENANT,
        creds: await tenantCredentials(trust.accountSeed, TENANT),
      }),
      log: quiet,
      backoff: { initialMs: 50, maxMs: 300, factor: 2 },
    });
    const events = [1, 2, 3].map((n) => ({ id: `uid-${n}:${n}:ADDED`, body: { n } }));
    publisher.enqueue("state.k8s.resource", events);
    await until(() => publisher.health().lastError !== null, "a failed round");
    expect(publisher.health()).toMatchObject({ buffered: 3, published: 0, connected: false });

    // The platform comes up (its stream made by the platform's own credentials).
    const server = await startNatsServer(trust.serverConfig, port);
    const platform = await JetStreamBus.connect({
      servers: url,
      creds: trust.platformCreds,
      tenants: async () => [TENANT],
    });
    cleanup.push(server.stop, () => platform.close());
    await platform.ensureStream(TENANT);
    await until(() => publisher.health().published === 3, "the retried round");
    expect(publisher.health()).toMatchObject({ buffered: 0, lastError: null, connected: true });

    // The same changes sent again (a restarted agent relisting): the stream keeps one of each.
    publisher.enqueue("state.k8s.resource", events);
    await until(() => publisher.health().duplicates === 3, "the repeats");
    await publisher.stop();
    const nc = await connect({
      servers: url,
      authenticator: credsAuthenticator(new TextEncoder().encode(trust.platformCreds)),
    });
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(`RCA_${TENANT}`)).state.messages).toBe(3);
    await nc.close();
  });

  it("holds at most its capacity, dropping the oldest and counting them", async () => {
    const trust = await createNatsTrust();
    const publisher = new AgentPublisher({
      transport: new NatsTransport({
        servers: `nats://127.0.0.1:${await freePort()}`,
        tenantId: TENANT,
        creds: await tenantCredentials(trust.accountSeed, TENANT),
      }),
      log: quiet,
      capacity: 2,
      backoff: { initialMs: 1_000, maxMs: 1_000, factor: 1 },
    });
    publisher.enqueue(
      "events.normalized",
      [1, 2, 3, 4, 5].map((n) => ({ id: String(n), body: {} })),
    );
    expect(publisher.health()).toMatchObject({ buffered: 2, dropped: 3 });
    await publisher.stop(0);
  });
});
