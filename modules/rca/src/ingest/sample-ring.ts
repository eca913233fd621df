import type { Sample } from "../model.ts";

/**
 * A fixed-capacity ring of samples in time order: two `Float64Array`s, so one ring costs
 * 16 × capacity bytes whatever it holds. Appending to a full ring overwrites the oldest sample.
 */
export class SampleRing {
  private readonly at: Float64Array;
  private readonly value: Float64Array;
  private head = 0;
  private count = 0;

  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ring capacity ${capacity} must be a positive integer`);
    this.at = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** The newest sample's time, or −∞ when empty. */
  get last(): number {
    if (this.count === 0) return Number.NEGATIVE_INFINITY;
    return this.at[(this.head + this.count - 1) % this.capacity] ?? Number.NEGATIVE_INFINITY;
  }

  /** Appends a sample no older than {@link last} (the caller checks). */
  push(at: number, value: number): void {
    const i = (this.head + this.count) % this.capacity;
    this.at[i] = at;
    this.value[i] = value;
    if (this.count < this.capacity) this.count++;
    else this.head = (this.head + 1) % this.capacity;
  }

  /** Drops samples older than `before` (epoch ms). */
  dropBefore(before: number): void {
    while (this.count > 0 && (this.at[this.head] ?? 0) < before) {
      this.head = (this.head + 1) % this.capacity;
      this.count--;
    }
  }

  /** The samples, oldest first. */
  toArray(): Sample[] {
    const out: Sample[] = new Array(this.count);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.capacity;
      out[k] = { at: this.at[i] ?? 0, value: this.value[i] ?? 0 };
    }
    return out;
  }
}
