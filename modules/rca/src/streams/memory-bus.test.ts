import { describe, it } from "vitest";
import { busContract } from "./bus-contract.ts";
import { MemoryBus } from "./memory-bus.ts";

describe("MemoryBus (the single-machine ingest streams)", () => {
  it("delivers in order per tenant, stores a repeated id once, redelivers after a failure, keeps tenants apart", async () => {
    await busContract(new MemoryBus({ retryMs: 10 }), ["ten_a", "ten_b"]);
  });
});
