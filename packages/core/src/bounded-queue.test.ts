import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./bounded-queue.ts";

describe("BoundedQueue", () => {
  it("drops and counts items past capacity and keeps FIFO order", () => {
    const q = new BoundedQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => q.push(n))).toEqual([true, true, true, false, false]);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([1, 2, 3, undefined]);
  });

  it("wakes a waiting consumer and compacts after long use", async () => {
    const q = new BoundedQueue<number>(10);
    const waited = q.wait();
    q.push(7);
    await waited;
    expect(q.shift()).toBe(7);
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      expect(q.shift()).toBe(i);
    }
    expect(q.size).toBe(0);
    q.close();
    await q.wait();
    expect(q.push(1)).toBe(false);
  });
});
