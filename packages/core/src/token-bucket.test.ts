import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.ts";
import { VirtualClock } from "./virtual-clock.ts";

describe("TokenBucket", () => {
  it("waits on the clock until enough weight has refilled", async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(clock, 1200, 40);
    await bucket.take(40);
    let done = false;
    const pending = bucket.take(20).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advanceTo(999);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advanceTo(1000);
    await pending;
    expect(done).toBe(true);
  });

  it("charges after the fact and can go negative", () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(clock, 600, 100);
    bucket.charge(150);
    expect(bucket.available()).toBe(-50);
    clock.advanceTo(10_000);
    expect(bucket.available()).toBe(50);
  });
});
