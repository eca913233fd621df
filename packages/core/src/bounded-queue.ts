/**
 * A FIFO with a hard capacity: when full, new items are dropped and counted, so a flood costs
 * bounded memory. One consumer waits with {@link BoundedQueue.wait} and drains with `shift`.
 */
export class BoundedQueue<T> {
  #items: T[] = [];
  #head = 0;
  #dropped = 0;
  #waiter: (() => void) | null = null;
  #closed = false;

  /** Maximum items held. */
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Items refused because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** @returns false (and counts a drop) when the queue is full or closed. */
  push(item: T): boolean {
    if (this.#closed || this.size >= this.capacity) {
      this.#dropped++;
      return false;
    }
    this.#items.push(item);
    this.#wake();
    return true;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Resolves when an item is available or the queue is closed. */
  wait(): Promise<void> {
    if (this.size > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Stops accepting items and wakes the consumer; queued items can still be drained. */
  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = null;
      w();
    }
  }
}
