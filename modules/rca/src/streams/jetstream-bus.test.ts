import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { busContract } from "./bus-contract.ts";
import { JetStreamBus, streamOf } from "./jetstream-bus.ts";
import { subjectOf } from "./subjects.ts";

// The NATS server with JetStream these machines run (NATS_URL to use another).
const SERVERS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const run = randomBytes(4).toString("hex");
const tenants = [`ten_${run}a`, `ten_${run}b`] as const;
const buses: JetStreamBus[] = [];

afterAll(async () => {
  for (const t of tenants) await buses[0]?.deleteStream(t);
  for (const bus of buses) await bus.close();
});

describe("JetStreamBus (the ingest streams on NATS JetStream)", () => {
  it("delivers in order per tenant, stores a repeated id once, redelivers after a failure, keeps tenants apart", async () => {
    const bus = await JetStreamBus.connect({
      servers: SERVERS,
      retryMs: 50,
      tenants: async () => tenants,
    });
    buses.push(bus);
    await busContract(bus, tenants);
  });

  it("keeps each tenant's messages in its own stream, which a restarted consumer resumes from", async () => {
    const bus = await JetStreamBus.connect({ servers: SERVERS, tenants: async () => tenants });
    buses.push(bus);
    // The contract's messages were acknowledged: a new consumer of the same durable sees only new ones.
    const seen: string[] = [];
    const stop = bus.consume(async (m) => {
      seen.push(`${m.tenantId}/${m.id}`);
    });
    await bus.publish(tenants[1], "alerts.raw", [{ id: "later", body: {} }]);
    const until = Date.now() + 10_000;
    while (seen.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(seen).toEqual([`${tenants[1]}/later`]);
    expect(streamOf(tenants[0])).toBe(`RCA_${tenants[0]}`);
    expect(() => subjectOf("ten.a", "alerts.raw")).toThrow(/subject token/);
    expect(() => subjectOf("*", "alerts.raw")).toThrow(/subject token/);
  });
});
