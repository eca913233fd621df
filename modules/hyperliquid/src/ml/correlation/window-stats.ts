import type { CorrelationEvent } from "./correlation-event.ts";
import { TimeIndex } from "./time-index.ts";

/** Counts of string keys, for distinct values in a sliding window. */
class Counter {
  readonly #m = new Map<string, number>();

  get distinct(): number {
    return this.#m.size;
  }

  add(key: string, by: 1 | -1): void {
    const n = (this.#m.get(key) ?? 0) + by;
    if (n <= 0) this.#m.delete(key);
    else this.#m.set(key, n);
  }
}

/** `a~b`, the two venues in code-unit order: one venue comparison. */
export function comparisonKey(a: string, b: string): string {
  return a < b ? `${a}~${b}` : `${b}~${a}`;
}

/** The venue comparisons an oracle deviation holds on. */
export function comparisonsOf(e: CorrelationEvent): string[] {
  if (e.category !== "oracle_deviation") return [];
  const venue = e.venue ?? e.protocol;
  return e.counterVenues.filter((v) => v !== venue).map((v) => comparisonKey(venue, v));
}

/**
 * Running figures of a window's events that bound every pattern from above (sums where the
 * patterns take maxima, counts of distinct values): a pattern that cannot hold on these is not
 * evaluated, which keeps a flood of small events linear.
 */
export class WindowStats {
  events = 0;
  countSum = 0;
  usdSum = 0;
  bridges = 0;
  readonly protocols = new Counter();
  readonly chains = new Counter();
  readonly comparisons = new Counter();

  add(e: CorrelationEvent): void {
    this.#apply(e, 1);
  }

  remove(e: CorrelationEvent): void {
    this.#apply(e, -1);
  }

  #apply(e: CorrelationEvent, by: 1 | -1): void {
    this.events += by;
    this.countSum += by * e.count;
    this.usdSum += by * (e.usd ?? 0);
    if (e.category === "exploit" && e.techniques.includes("bridge")) this.bridges += by;
    this.protocols.add(e.protocol, by);
    for (const c of e.chains) this.chains.add(c, by);
    for (const c of comparisonsOf(e)) this.comparisons.add(c, by);
  }
}

/**
 * One group's events, with {@link WindowStats} of the window ending at the newest event kept up
 * to date as events arrive in time order (a late, replaced or removed event makes the next read
 * rebuild them).
 */
export class GroupWindow {
  readonly index = new TimeIndex();
  readonly #spanMs: number;
  #stats = new WindowStats();
  /** Position of the window's oldest event in the index. */
  #lo = 0;
  #valid = true;

  /** @param spanMs window length, ms (inclusive at both ends). */
  constructor(spanMs: number) {
    this.#spanMs = spanMs;
  }

  /** @returns true when `e` is the newest event of the group. */
  insert(e: CorrelationEvent): boolean {
    const newest = this.index.insert(e);
    if (!newest) this.#valid = false;
    else if (this.#valid) {
      this.#stats.add(e);
      this.#slide(e.time);
    }
    return newest;
  }

  remove(e: CorrelationEvent): void {
    this.index.remove(e);
    this.#valid = false;
  }

  /** Drops `e`, which is usually the oldest event (evicted for room), without a rebuild then. */
  evict(e: CorrelationEvent): void {
    const first = this.index.at(0);
    if (!(first && first.id === e.id && first.time === e.time)) {
      this.remove(e);
      return;
    }
    this.index.shift();
    if (!this.#valid) return;
    if (this.#lo > 0) this.#lo--;
    else this.#stats.remove(e);
  }

  /** Drops events older than `t`. */
  dropBefore(t: number): void {
    const dropped = this.index.dropBefore(t);
    if (!this.#valid) return;
    for (let i = this.#lo; i < dropped.length; i++)
      this.#stats.remove(dropped[i] as CorrelationEvent);
    this.#lo = Math.max(0, this.#lo - dropped.length);
  }

  /** Figures of the window `[newest − span, newest]`. */
  latest(): WindowStats {
    if (!this.#valid) this.#rebuild();
    return this.#stats;
  }

  #slide(end: number): void {
    for (let first = this.index.at(this.#lo); first; first = this.index.at(this.#lo)) {
      if (first.time >= end - this.#spanMs) break;
      this.#stats.remove(first);
      this.#lo++;
    }
  }

  #rebuild(): void {
    this.#stats = new WindowStats();
    this.#lo = 0;
    this.#valid = true;
    const newest = this.index.at(this.index.size - 1);
    if (!newest) return;
    const events = this.index.range(newest.time - this.#spanMs, newest.time);
    this.#lo = this.index.size - events.length;
    for (const e of events) this.#stats.add(e);
  }
}
