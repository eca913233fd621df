import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.ts";

describe("VirtualClock", () => {
  it("fires timers in time then creation order and reads each timer's time", () => {
    const clock = new VirtualClock(1000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
    expect(clock.nextTimerAt()).toBe(1010);
    expect(clock.advanceTo(1015)).toBe(1);
    expect(clock.now()).toBe(1015);
    clock.advanceTo(2000);
    expect(seen).toEqual(["a@1010", "b@1020", "c@1020"]);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it("fires timers scheduled by callbacks when they fall due within the same advance", () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 5);
    }, 5);
    clock.advanceTo(10);
    expect(seen).toEqual([5, 10]);
  });

  it("skips cancelled timers and never moves backwards", () => {
    const clock = new VirtualClock(100);
    let fired = false;
    clock
      .setTimeout(() => {
        fired = true;
      }, 1)
      .cancel();
    expect(clock.advanceTo(50)).toBe(0);
    expect(clock.now()).toBe(100);
    clock.advanceTo(200);
    expect(fired).toBe(false);
  });

  it("resolves sleeps on advance and rejects them on abort", async () => {
    const clock = new VirtualClock(0);
    const done = clock.sleep(30).then(() => clock.now());
    clock.advanceTo(30);
    await expect(done).resolves.toBe(30);
    const ac = new AbortController();
    const aborted = clock.sleep(30, ac.signal);
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(clock.pendingTimers()).toBe(0);
  });

  it("keeps heap order under many random timers", () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const delays = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const d of delays) clock.setTimeout(() => fired.push(clock.now()), d);
    clock.advanceTo(1000);
    expect(fired).toEqual([...delays].sort((a, b) => a - b));
  });
});
