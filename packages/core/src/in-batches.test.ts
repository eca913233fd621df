import { describe, expect, it } from "vitest";
import { inBatches } from "./in-batches.ts";

/** An async source fed by hand: `push` an item, `end` it. */
function feed<T>() {
  const queue: T[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const source: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as T;
        if (ended) return;
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    },
  };
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  return {
    source,
    push: (...xs: T[]) => {
      queue.push(...xs);
      poke();
    },
    end: () => {
      ended = true;
      poke();
    },
  };
}

async function collect<T>(batches: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe("inBatches", () => {
  it("cuts what is there into batches of at most maxItems, in order", async () => {
    const f = feed<number>();
    f.push(1, 2, 3, 4, 5);
    f.end();
    expect(await collect(inBatches(f.source, 2, 0))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("waits for the first item however long it takes, and ends with its source", async () => {
    const f = feed<string>();
    const out = collect(inBatches(f.source, 10, 0));
    await new Promise((r) => setImmediate(r));
    f.push("late");
    await new Promise((r) => setImmediate(r));
    f.end();
    expect(await out).toEqual([["late"]]);
  });

  it("keeps an item that comes after a batch was cut for the next batch", async () => {
    const f = feed<number>();
    const batches = inBatches(f.source, 3, 0);
    f.push(1);
    expect((await batches.next()).value).toEqual([1]);
    f.push(2, 3);
    f.end();
    expect(await collect(batches)).toEqual([[2, 3]]);
  });
});
