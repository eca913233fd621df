/** An item of a {@link SlidingWindow}. */
export interface Timed {
  time: number;
  value: number;
}

/**
 * Items of the last `spanMs` by their own time, with a running sum. Items are expected in
 * roughly increasing time; a late item is still counted while it is inside the span.
 */
export class SlidingWindow<T extends Timed> {
  readonly #spanMs: number;
  readonly #max: number;
  #items: T[] = [];
  #head = 0;
  #sum = 0;
  #newest = Number.NEGATIVE_INFINITY;

  /** @param spanMs window length, ms; @param max items kept at most (oldest evicted first). */
  constructor(spanMs: number, max = 100_000) {
    this.#spanMs = spanMs;
    this.#max = max;
  }

  add(item: T): void {
    this.#items.push(item);
    this.#sum += item.value;
    this.#newest = Math.max(this.#newest, item.time);
    this.evict(this.#newest);
  }

  /** Drops items older than `now - spanMs`. */
  evict(now: number): void {
    const cutoff = now - this.#spanMs;
    while (this.#head < this.#items.length) {
      const first = this.#items[this.#head] as T;
      if (first.time > cutoff && this.count <= this.#max) break;
      this.#sum -= first.value;
      this.#head++;
    }
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  get count(): number {
    return this.#items.length - this.#head;
  }

  get sum(): number {
    return this.#sum;
  }

  /** Items currently inside the window, oldest first. */
  items(): T[] {
    return this.#items.slice(this.#head);
  }
}

/**
 * Lets a condition be re-raised at most once per `minGapMs` of data time unless its severity
 * rises, so a burst of thousands of events refreshes a finding a few times, not thousands.
 */
export class RaiseGate {
  readonly #minGapMs: number;
  readonly #last = new Map<string, { time: number; rank: number }>();

  constructor(minGapMs: number) {
    this.#minGapMs = minGapMs;
  }

  allow(key: string, time: number, rank: number): boolean {
    const prev = this.#last.get(key);
    if (prev && rank <= prev.rank && time - prev.time < this.#minGapMs) return false;
    this.#last.set(key, { time, rank });
    return true;
  }

  forget(key: string): void {
    this.#last.delete(key);
  }
}
