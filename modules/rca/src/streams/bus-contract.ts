import { expect } from "vitest";
import type { Delivered, IngestBus } from "./ingest-bus.ts";

/** Waits until `check` passes (up to 10 s). */
export async function eventually(check: () => void): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * What every {@link IngestBus} must do, run against each: batches of one tenant's messages, at
 * most `maxMessages`, in order per tenant; repeats of an id stored once; every message of a
 * batch whose handler failed delivered again; tenants kept apart.
 */
export async function busContract(bus: IngestBus, tenants: readonly [string, string]) {
  const [a, b] = tenants;
  const handled: Delivered[][] = [];
  const failed: Delivered[][] = [];
  const stop = bus.consume(
    async (batch) => {
      if (failed.length === 0 && batch.some((m) => m.id === "fails-once")) {
        failed.push([...batch]);
        throw new Error("the graph builder failed");
      }
      handled.push([...batch]);
    },
    { maxMessages: 2, maxWaitMs: 50 },
  );
  const got = () => handled.flat();
  const first = await bus.publish(a, "events.normalized", [
    { id: "e1", body: { reason: "OOMKilled" } },
    { id: "e2", body: { reason: "BackOff" } },
  ]);
  expect(first).toEqual({ accepted: 2, duplicates: 0 });
  // An agent retrying the same batch: stored once.
  expect(
    await bus.publish(a, "events.normalized", [{ id: "e1", body: { reason: "OOMKilled" } }]),
  ).toEqual({ accepted: 0, duplicates: 1 });
  await bus.publish(b, "state.k8s.resource", [{ id: "r1", body: { kind: "Pod" } }]);
  await bus.publish(a, "logs.normalized", [
    { id: "before-failure", body: { n: 0 } },
    { id: "fails-once", body: { n: 1 } },
  ]);
  await eventually(() => expect(got().map((m) => m.id)).toContain("fails-once"));
  await bus.publish(a, "state.k8s.resource", [
    { id: "s1", body: {} },
    { id: "s2", body: {} },
    { id: "s3", body: {} },
  ]);
  await eventually(() => expect(got()).toHaveLength(8));

  const ofA = got().filter((m) => m.tenantId === a);
  expect(ofA.map((m) => m.id)).toEqual([
    "e1",
    "e2",
    "before-failure",
    "fails-once",
    "s1",
    "s2",
    "s3",
  ]);
  expect(ofA[0]).toMatchObject({ kind: "events.normalized", body: { reason: "OOMKilled" } });
  for (const batch of handled) {
    expect(batch.length).toBeLessThanOrEqual(2);
    expect(new Set(batch.map((m) => m.tenantId)).size).toBe(1);
  }
  // Every message of the failed batch came again, counted.
  expect(failed[0]?.map((m) => m.id)).toContain("fails-once");
  for (const m of failed[0] ?? [])
    expect(ofA.find((x) => x.id === m.id)?.deliveries, m.id).toBe(m.deliveries + 1);
  expect(got().filter((m) => m.tenantId === b)).toEqual([
    { tenantId: b, kind: "state.k8s.resource", id: "r1", body: { kind: "Pod" }, deliveries: 1 },
  ]);
  await stop();
}
