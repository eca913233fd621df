import type { CorrelationEvent } from "./correlation-event.ts";
import { byTimeThenId } from "./measures.ts";

/**
 * Events of one group ordered by time then id, for window queries. Inserting in time order is an
 * append; a late event is placed by binary search.
 */
export class TimeIndex {
  #items: CorrelationEvent[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** First position whose event is not before `e` in (time, id) order. */
  #lowerBound(e: CorrelationEvent): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byTimeThenId(this.#items[mid] as CorrelationEvent, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose time is at least `t`. */
  #firstAt(t: number): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#items[mid] as CorrelationEvent).time < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** @returns true when `e` went to the end (the newest), false when it was placed earlier. */
  insert(e: CorrelationEvent): boolean {
    const last = this.#items.at(-1);
    if (!last || byTimeThenId(last, e) < 0) {
      this.#items.push(e);
      return true;
    }
    this.#items.splice(this.#lowerBound(e), 0, e);
    return false;
  }

  /** The event at position `i` (0 is the oldest). */
  at(i: number): CorrelationEvent | undefined {
    return this.#items[i];
  }

  /** Removes the event with `e`'s time and id, if present. */
  remove(e: CorrelationEvent): void {
    const i = this.#lowerBound(e);
    const at = this.#items[i];
    if (at && at.id === e.id && at.time === e.time) this.#items.splice(i, 1);
  }

  /** Events with `from <= time <= to`, in order. */
  range(from: number, to: number): CorrelationEvent[] {
    const out: CorrelationEvent[] = [];
    for (let i = this.#firstAt(from); i < this.#items.length; i++) {
      const e = this.#items[i] as CorrelationEvent;
      if (e.time > to) break;
      out.push(e);
    }
    return out;
  }

  /** Distinct times in `(from, to]`, ascending. */
  timesAfter(from: number, to: number): number[] {
    const out: number[] = [];
    for (let i = this.#firstAt(from); i < this.#items.length; i++) {
      const t = (this.#items[i] as CorrelationEvent).time;
      if (t > to) break;
      if (t > from && out.at(-1) !== t) out.push(t);
    }
    return out;
  }

  /** Drops events older than `t`. @returns the dropped events. */
  dropBefore(t: number): CorrelationEvent[] {
    const n = this.#firstAt(t);
    return n === 0 ? [] : this.#items.splice(0, n);
  }

  /** Drops the oldest event. */
  shift(): CorrelationEvent | undefined {
    return this.#items.shift();
  }
}
