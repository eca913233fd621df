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
 * What every {@link IngestBus} must do, run against each: in order per tenant, repeats of an id
 * stored once, a failed handler's message delivered again, tenants kept apart.
 */
export async function busContract(bus: IngestBus, tenants: readonly [string, string]) {
  const [a, b] = tenants;
  const got: Delivered[] = [];
  let failOnce = true;
  const stop = bus.consume(async (m) => {
    if (m.id === "fails-once" && failOnce) {
      failOnce = false;
      throw new Error("the graph builder failed");
    }
    got.push(m);
  });
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
  await bus.publish(a, "logs.normalized", [{ id: "fails-once", body: { n: 1 } }]);
  await eventually(() => expect(got.length).toBe(4));
  const ofA = got.filter((m) => m.tenantId === a);
  expect(ofA.map((m) => m.id)).toEqual(["e1", "e2", "fails-once"]);
  expect(ofA[0]).toMatchObject({ kind: "events.normalized", body: { reason: "OOMKilled" } });
  expect(ofA.find((m) => m.id === "fails-once")?.deliveries).toBe(2);
  expect(got.filter((m) => m.tenantId === b)).toEqual([
    { tenantId: b, kind: "state.k8s.resource", id: "r1", body: { kind: "Pod" }, deliveries: 1 },
  ]);
  await stop();
}
