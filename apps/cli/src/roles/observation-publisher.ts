import { describeError, type Logger, type Observation } from "@kamiyo/core";
import type { ObservationStream } from "@kamiyo/monitor/stream";

/** What the publisher has done, for /metrics and /ready. */
export interface PublisherCounters {
  published: number;
  /** Observations JetStream already held (another ingest replica published them first). */
  duplicates: number;
  /** Dropped because the buffer was full while NATS was away. */
  dropped: number;
  /** Failed publish attempts (each retried). */
  failures: number;
  /** Observations that cannot travel (not JSON, a type that is no subject): dropped, logged. */
  refused: number;
}

/**
 * The ingest process's side of the observation stream: the sources' observations, buffered in
 * order and published in batches; a failed publish (NATS away) is retried with backoff, the
 * batch held, so order is kept. The buffer holds `capacity` observations; beyond it the oldest
 * are dropped and counted, as the in-process queue drops when detectors fall behind.
 */
export class ObservationPublisher {
  readonly #stream: ObservationStream;
  readonly #log: Logger;
  readonly #capacity: number;
  #buffer: Observation[] = [];
  #wake: (() => void) | null = null;
  #stopping = false;
  readonly #done: Promise<void>;
  readonly counters: PublisherCounters = {
    published: 0,
    duplicates: 0,
    dropped: 0,
    failures: 0,
    refused: 0,
  };
  /** True while the last publish failed (cleared by the next success). */
  failing = false;

  constructor(stream: ObservationStream, log: Logger, opts: { capacity?: number } = {}) {
    this.#stream = stream;
    this.#log = log;
    this.#capacity = opts.capacity ?? 100_000;
    this.#done = this.#run();
  }

  /** Observations waiting to be published. */
  get pending(): number {
    return this.#buffer.length;
  }

  push(obs: Observation): void {
    this.#buffer.push(obs);
    if (this.#buffer.length > this.#capacity) {
      this.#buffer.shift();
      this.counters.dropped++;
    }
    this.#wake?.();
  }

  /** Publishes what is buffered (for at most `graceMs`), then stops. */
  async stop(graceMs = 5_000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.#buffer.length > 0 && !this.failing && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.#stopping = true;
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    let delay = 500;
    while (!this.#stopping) {
      if (this.#buffer.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = null;
        continue;
      }
      const batch = this.#buffer.slice(0, 1_000);
      try {
        const r = await this.#stream.publish(batch);
        this.#buffer.splice(0, batch.length);
        this.counters.published += r.accepted;
        this.counters.duplicates += r.duplicates;
        this.failing = false;
        delay = 500;
      } catch (err) {
        if (err instanceof TypeError) {
          await this.#oneByOne(batch);
          continue;
        }
        this.counters.failures++;
        this.failing = true;
        this.#log.warn(
          { err: describeError(err), pending: this.#buffer.length, retryMs: delay },
          "publishing observations failed; retrying",
        );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /** A batch holding an observation that cannot travel: publishes the rest, drops that one. */
  async #oneByOne(batch: readonly Observation[]): Promise<void> {
    for (const obs of batch) {
      try {
        const r = await this.#stream.publish([obs]);
        this.counters.published += r.accepted;
        this.counters.duplicates += r.duplicates;
      } catch (err) {
        if (!(err instanceof TypeError)) return; // NATS went away: the run loop retries the rest
        this.counters.refused++;
        this.#log.error({ err: describeError(err), type: obs.type }, "observation dropped");
      }
      this.#buffer.shift();
    }
  }
}
