import { describe, expect, it } from "vitest";
import { event } from "./test-helpers.ts";
import { TimeIndex } from "./time-index.ts";

describe("TimeIndex", () => {
  it("keeps events in (time, id) order whatever the insertion order, with inclusive ranges", () => {
    const idx = new TimeIndex();
    for (const [id, time] of [
      ["b", 20],
      ["a", 10],
      ["d", 30],
      ["c", 20],
    ] as const)
      idx.insert(event({ id, time }));
    expect(idx.range(10, 20).map((e) => e.id)).toEqual(["a", "b", "c"]);
    expect(idx.range(11, 30).map((e) => e.id)).toEqual(["b", "c", "d"]);
    expect(idx.timesAfter(10, 30)).toEqual([20, 30]);
    expect(idx.timesAfter(10, 29)).toEqual([20]);
  });

  it("removes exactly one event and drops the old ones", () => {
    const idx = new TimeIndex();
    const events = [
      event({ id: "a", time: 1 }),
      event({ id: "b", time: 1 }),
      event({ id: "c", time: 5 }),
    ];
    for (const e of events) idx.insert(e);
    idx.remove(events[1] as (typeof events)[number]);
    expect(idx.range(0, 10).map((e) => e.id)).toEqual(["a", "c"]);
    expect(idx.dropBefore(5).map((e) => e.id)).toEqual(["a"]);
    expect(idx.size).toBe(1);
  });
});
