import { describe, expect, it } from "vitest";
import { busContract, eventually } from "./bus-contract.ts";
import type { Delivered } from "./ingest-bus.ts";
import { DEDUPE_WINDOW_MS, MemoryBus } from "./memory-bus.ts";

describe("MemoryBus (the single-machine ingest streams)", () => {
  it("delivers batches in order per tenant, stores a repeated id once, redelivers a failed batch, keeps tenants apart", async () => {
    await busContract(new MemoryBus({ retryMs: 10 }), ["ten_a", "ten_b"]);
  });

  it("delivers a failed batch again whole, from the head of the queue, before what came after it", async () => {
    const bus = new MemoryBus({ retryMs: 10 });
    const seen: Delivered[][] = [];
    let fail = true;
    const stop = bus.consume(
      async (batch) => {
        seen.push([...batch]);
        if (fail) {
          fail = false;
          // Published while the failed batch was being handled: after it, in the next batch.
          await bus.publish("ten_a", "alerts.raw", [{ id: "m3", body: {} }]);
          throw new Error("down");
        }
      },
      { maxMessages: 2, maxWaitMs: 0 },
    );
    await bus.publish("ten_a", "alerts.raw", [
      { id: "m1", body: {} },
      { id: "m2", body: {} },
    ]);
    await eventually(() => expect(seen).toHaveLength(3));
    expect(seen.map((batch) => batch.map((m) => `${m.id}#${m.deliveries}`))).toEqual([
      ["m1#1", "m2#1"],
      ["m1#2", "m2#2"],
      ["m3#1"],
    ]);
    await stop();
  });

  it("forgets an id once the de-duplication window has passed since it came", async () => {
    let now = 0;
    const bus = new MemoryBus({ now: () => now });
    const send = (id: string) => bus.publish("ten_a", "alerts.raw", [{ id, body: {} }]);
    await send("old");
    now = 1_000;
    await send("newer");
    now = DEDUPE_WINDOW_MS + 500;
    expect(await send("old")).toEqual({ accepted: 1, duplicates: 0 });
    expect(await send("newer")).toEqual({ accepted: 0, duplicates: 1 });
  });
});
