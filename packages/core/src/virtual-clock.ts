import { type Clock, sleepOn, type TimerHandle } from "./clock.ts";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in (time, creation) order during
 * {@link VirtualClock.advanceTo}; `now()` reads the time of the timer being fired.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];

  /** @param start initial time, epoch ms. */
  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Time of the earliest pending timer, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    this.#dropCancelled();
    return this.#heap[0]?.at;
  }

  /** Number of pending (not cancelled) timers. */
  pendingTimers(): number {
    return this.#heap.filter((t) => !t.cancelled).length;
  }

  /**
   * Fires, in order, every timer due at or before `t` (including timers those callbacks
   * schedule synchronously), then sets the time to `t`. Time never moves backwards.
   * @returns how many timers fired.
   */
  advanceTo(t: number): number {
    let fired = 0;
    for (;;) {
      this.#dropCancelled();
      const top = this.#heap[0];
      if (!top || top.at > t) break;
      this.#pop();
      this.#now = Math.max(this.#now, top.at);
      fired++;
      top.fn();
    }
    this.#now = Math.max(this.#now, t);
    return fired;
  }

  #dropCancelled(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(timer: Timer): void {
    const h = this.#heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Timer;
      if (!this.#less(timer, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = timer;
  }

  #pop(): Timer | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let mTimer = last;
      const lt = h[l];
      const rt = h[r];
      if (lt && this.#less(lt, mTimer)) {
        m = l;
        mTimer = lt;
      }
      if (rt && this.#less(rt, mTimer)) {
        m = r;
        mTimer = rt;
      }
      if (m === i) break;
      h[i] = mTimer;
      i = m;
    }
    h[i] = last;
    return top;
  }
}
