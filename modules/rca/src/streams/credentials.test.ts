import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNatsTrust, inboxOf, type NatsTrust, tenantCredentials } from "./credentials.ts";
import { JetStreamBus } from "./jetstream-bus.ts";
import { startNatsServer } from "./nats-server.testing.ts";
import { subjectOf } from "./subjects.ts";

const A = "ten_alpha";
const B = "ten_bravo";
let trust: NatsTrust;
let server: { url: string; stop: () => Promise<void> };
let platform: JetStreamBus;

beforeAll(async () => {
  trust = await createNatsTrust();
  server = await startNatsServer(trust.serverConfig);
  platform = await JetStreamBus.connect({
    servers: server.url,
    creds: trust.platformCreds,
    tenants: async () => [A, B],
  });
  await platform.ensureStream(A);
  await platform.ensureStream(B);
}, 30_000);
afterAll(async () => {
  await platform?.close();
  await server?.stop();
});

/** Connects as a tenant's agent with its credentials and inbox prefix. */
async function agent(tenantId: string, creds: string) {
  return connect({
    servers: server.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(creds)),
    inboxPrefix: inboxOf(tenantId),
  });
}

describe("tenants' NATS credentials", () => {
  it("let an agent publish to its own streams, and nowhere else", async () => {
    const nc = await agent(A, await tenantCredentials(trust.accountSeed, A));
    const js = jetstream(nc);
    const ack = await js.publish(subjectOf(A, "events.normalized"), "{}", { msgID: "x1" });
    expect(ack.stream).toBe(`RCA_${A}`);
    // Another tenant's subject: the server refuses the publish (no acknowledgement comes back).
    await expect(
      js.publish(subjectOf(B, "events.normalized"), "{}", { msgID: "x2", timeout: 1_000 }),
    ).rejects.toThrow(/[Pp]ermission/);
    // Nor may it manage streams (the JetStream API is the platform's).
    await expect(
      nc.request("$JS.API.STREAM.DELETE.RCA_ten_bravo", "", { timeout: 1_000 }),
    ).rejects.toThrow();
    // Nor read another tenant's subjects.
    const sub = nc.subscribe(`${B}.>`);
    const denied = (async () => {
      for await (const _ of sub) return "received";
      return "closed";
    })();
    await expect(denied).rejects.toThrow(/[Pp]ermission/);
    await nc.close();
    // B's stream holds nothing from A; A's holds its one message.
    const jsm = await jetstreamManager(await platformConnection());
    expect((await jsm.streams.info(`RCA_${B}`)).state.messages).toBe(0);
    expect((await jsm.streams.info(`RCA_${A}`)).state.messages).toBe(1);
  });

  it("are refused once expired, and refused when not signed by the platform's account", async () => {
    const expired = await tenantCredentials(trust.accountSeed, A, {
      expiresAt: Date.now() - 60_000,
    });
    await expect(agent(A, expired)).rejects.toThrow(/[Aa]uthoriz/);
    const stranger = await tenantCredentials((await createNatsTrust()).accountSeed, A);
    await expect(agent(A, stranger)).rejects.toThrow(/[Aa]uthoriz/);
  });
});

let platformConn: Awaited<ReturnType<typeof connect>> | null = null;
async function platformConnection() {
  platformConn ??= await connect({
    servers: server.url,
    authenticator: credsAuthenticator(new TextEncoder().encode(trust.platformCreds)),
  });
  return platformConn;
}
afterAll(async () => {
  await platformConn?.close();
});
