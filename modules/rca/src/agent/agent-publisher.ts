import { type BackoffPolicy, backoffDelay, type Logger } from "@kamiyo/core";
import type { BusMessage } from "../streams/ingest-bus.ts";
import type { StreamKind } from "../streams/subjects.ts";
import { RetryLater } from "./http-transport.ts";
import type { AgentTransport, HeldMessage } from "./transport.ts";

/** How the publisher is doing: what waits, what went, what was refused or dropped. */
export interface PublisherHealth {
  connected: boolean;
  buffered: number;
  published: number;
  duplicates: number;
  /** Refused by the platform as malformed (not sent again). */
  refused: number;
  /** Dropped because the buffer was full (the oldest first). */
  dropped: number;
  lastError: string | null;
}

export interface AgentPublisherOptions {
  /** NATS (`NatsTransport`) or HTTPS (`HttpTransport`). */
  transport: AgentTransport;
  log: Logger;
  /** Messages kept while the platform cannot be reached (default 50,000). */
  capacity?: number;
  /** Messages a publish round sends (default 500). */
  batch?: number;
  backoff?: BackoffPolicy;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** The longest a `Retry-After` (a quota reset at midnight) holds the next round back. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * The agents' way to the platform: buffers what they collect (bounded; when full the oldest go
 * first, counted), sends it through the transport (the tenant's streams on NATS, or the HTTP
 * ingest), each message with its id so a retried send is stored once, and retries a failed round
 * with jittered exponential backoff (longer when the platform asked to wait). A message leaves the
 * buffer only once the platform took it.
 */
export class AgentPublisher {
  readonly #opts: AgentPublisherOptions;
  readonly #buffer: HeldMessage[] = [];
  readonly #health: PublisherHealth = {
    connected: false,
    buffered: 0,
    published: 0,
    duplicates: 0,
    refused: 0,
    dropped: 0,
    lastError: null,
  };
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(opts: AgentPublisherOptions) {
    this.#opts = opts;
  }

  /**
   * Queues messages for the tenant's `kind` stream and starts a publish round. `raw`, when given,
   * is each message's form for the HTTP ingest (in the same order).
   */
  enqueue(kind: StreamKind, messages: readonly BusMessage[], raw?: readonly unknown[]): void {
    const capacity = this.#opts.capacity ?? 50_000;
    for (const [i, message] of messages.entries())
      this.#buffer.push(raw ? { kind, message, raw: raw[i] } : { kind, message });
    const over = this.#buffer.length - capacity;
    if (over > 0) {
      this.#buffer.splice(0, over);
      this.#health.dropped += over;
    }
    this.#health.buffered = this.#buffer.length;
    this.#schedule(0);
  }

  health(): PublisherHealth {
    return { ...this.#health, connected: this.#opts.transport.connected() };
  }

  /** Publishes what is buffered (trying until `deadlineMs`), then closes the connection. */
  async stop(deadlineMs = 5_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (this.#buffer.length > 0 && Date.now() < end) {
      await (this.#running ?? this.#round());
      if (this.#buffer.length > 0) await new Promise((r) => setTimeout(r, 50));
    }
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#opts.transport.close();
  }

  #schedule(ms: number): void {
    if (this.#stopped || this.#timer || this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.#round().finally(() => {
        this.#running = null;
        if (this.#buffer.length > 0 && this.#attempt === 0) this.#schedule(0);
      });
    }, ms);
  }

  async #round(): Promise<void> {
    const batch = this.#buffer.slice(0, this.#opts.batch ?? 500);
    if (batch.length === 0) return;
    try {
      const sent = await this.#opts.transport.send(batch);
      this.#buffer.splice(0, batch.length);
      this.#health.published += sent.published;
      this.#health.duplicates += sent.duplicates;
      this.#health.refused += sent.refused;
      this.#health.lastError = null;
      this.#attempt = 0;
    } catch (err) {
      this.#health.lastError = String((err as Error).message ?? err);
      const asked = err instanceof RetryLater ? (err.retryAfterMs ?? 0) : 0;
      const wait = Math.max(
        backoffDelay(this.#opts.backoff ?? DEFAULT_BACKOFF, this.#attempt, Math.random),
        Math.min(asked, MAX_RETRY_AFTER_MS),
      );
      this.#attempt += 1;
      this.#opts.log.warn(
        { error: this.#health.lastError, buffered: this.#buffer.length, retryInMs: wait },
        "publishing to the platform failed; retrying",
      );
      this.#running = null;
      this.#schedule(wait);
    } finally {
      this.#health.buffered = this.#buffer.length;
    }
  }
}
