import { randomBytes } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { busContract, eventually } from "./bus-contract.ts";
import { BUILDER_CONSUMER, JetStreamBus, streamOf } from "./jetstream-bus.ts";
import { subjectOf } from "./subjects.ts";

// The NATS server with JetStream these machines run (NATS_URL to use another).
const SERVERS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const run = randomBytes(4).toString("hex");
const tenants = [`ten_${run}a`, `ten_${run}b`] as const;
const later = `ten_${run}c`;
const buses: JetStreamBus[] = [];

afterAll(async () => {
  for (const t of [...tenants, later]) await buses[0]?.deleteStream(t);
  for (const bus of buses) await bus.close();
});

describe("JetStreamBus (the ingest streams on NATS JetStream)", () => {
  it("delivers batches in order per tenant, stores a repeated id once, redelivers a failed batch, keeps tenants apart", async () => {
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
    const stop = bus.consume(async (batch) => {
      for (const m of batch) seen.push(`${m.tenantId}/${m.id}`);
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

  it("terminates a message whose body is not JSON and hands over the rest of its batch", async () => {
    const bus = await JetStreamBus.connect({ servers: SERVERS, tenants: async () => tenants });
    buses.push(bus);
    await bus.ensureStream(tenants[0]);
    const nc = await connect({ servers: SERVERS });
    const js = jetstream(nc);
    const subject = subjectOf(tenants[0], "alerts.raw");
    await js.publish(subject, "{not json", { msgID: "alerts.raw:garbled" });
    await js.publish(subject, JSON.stringify({ ok: true }), { msgID: "alerts.raw:fine" });
    await nc.drain();
    const seen: string[][] = [];
    const stop = bus.consume(async (batch) => {
      seen.push(batch.map((m) => m.id));
    });
    await eventually(() => expect(seen.flat()).toEqual(["fine"]));
    await stop();
    // Both are done with: the garbled one terminated, the other acknowledged.
    const nc2 = await connect({ servers: SERVERS });
    const jsm = await jetstream(nc2).jetstreamManager();
    const left = async () => {
      const info = await jsm.consumers.info(streamOf(tenants[0]), BUILDER_CONSUMER);
      return info.num_ack_pending + info.num_pending;
    };
    for (let i = 0; i < 100 && (await left()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await left()).toBe(0);
    await nc2.drain();
  });

  it("consumes a tenant onboarded after it started, at its next reading of the tenants", async () => {
    const known: string[] = [tenants[0]];
    const bus = await JetStreamBus.connect({
      servers: SERVERS,
      tenants: async () => known,
      tenantsEveryMs: 50,
    });
    buses.push(bus);
    const seen: string[] = [];
    const stop = bus.consume(async (batch) => {
      for (const m of batch) seen.push(`${m.tenantId}/${m.id}`);
    });
    await bus.publish(later, "alerts.raw", [{ id: "first-words", body: {} }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]); // not one of the tenants yet
    known.push(later);
    await eventually(() => expect(seen).toHaveLength(1));
    await stop();
    expect(seen).toEqual([`${later}/first-words`]);
  });
});
