import { describe, expect, it } from "vitest";
import { pollEvery } from "./poll-every.ts";
import { VirtualClock } from "./virtual-clock.ts";

describe("pollEvery", () => {
  it("keeps a fixed cadence, skips ahead after an overrun, and stops on abort", async () => {
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const runs: number[] = [];
    const done = pollEvery(clock, ac.signal, 10, async () => {
      runs.push(clock.now());
      if (runs.length === 2) await clock.sleep(25);
    });
    for (let t = 0; t <= 60; t++) {
      clock.advanceTo(t);
      await new Promise((r) => setImmediate(r));
    }
    ac.abort();
    clock.advanceTo(100);
    await done;
    // The second run overran to 35: the next starts at once (the first step after 35, as this
    // test steps the clock 1 ms at a time), then the cadence resumes at 45, 55.
    expect(runs).toEqual([0, 10, 36, 45, 55]);
  });
});
