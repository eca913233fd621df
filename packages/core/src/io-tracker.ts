/**
 * Counts real I/O that the pipeline is waiting on (HTTP requests, unacknowledged WebSocket
 * subscriptions and pings). A replay advances its virtual clock only when this is zero and the
 * pipeline is drained, which makes replays deterministic at any speed.
 */
export class IoTracker {
  #inFlight = 0;

  get inFlight(): number {
    return this.#inFlight;
  }

  begin(): void {
    this.#inFlight++;
  }

  end(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** Runs `fn`, counting it as in flight until it settles. */
  async track<T>(fn: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await fn();
    } finally {
      this.end();
    }
  }
}
