import type { Clock } from "./clock.ts";

/**
 * A weight budget: `capacity` units, refilled continuously at `perMinute` units a minute.
 * `take` waits (on the injected clock) until the units are available; `charge` debits
 * units learned after the fact (per-item weights) and may push the balance below zero.
 */
export class TokenBucket {
  #tokens: number;
  #updated: number;
  readonly #clock: Clock;
  /** Refill rate, units per minute. */
  readonly perMinute: number;
  /** Maximum balance, units. */
  readonly capacity: number;

  constructor(clock: Clock, perMinute: number, capacity: number = perMinute) {
    this.#clock = clock;
    this.perMinute = perMinute;
    this.capacity = capacity;
    this.#tokens = capacity;
    this.#updated = clock.now();
  }

  /** Units available now (may be negative after `charge`). */
  available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Waits until `units` are available, then takes them. */
  async take(units: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= units) {
        this.#tokens -= units;
        return;
      }
      const missing = units - this.#tokens;
      await this.#clock.sleep(Math.ceil((missing / this.perMinute) * 60_000), signal);
    }
  }

  /** Debits units without waiting. */
  charge(units: number): void {
    this.#refill();
    this.#tokens -= units;
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#updated;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed / 60_000) * this.perMinute);
      this.#updated = now;
    }
  }
}
