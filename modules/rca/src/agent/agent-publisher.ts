import { type BackoffPolicy, backoffDelay, type Logger } from "@kamiyo/core";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { inboxOf } from "../streams/credentials.ts";
import type { BusMessage } from "../streams/ingest-bus.ts";
import { type StreamKind, subjectOf } from "../streams/subjects.ts";

/** How the publisher is doing: what waits, what went, what was refused or dropped. */
export interface PublisherHealth {
  connected: boolean;
  buffered: number;
  published: number;
  duplicates: number;
  /** Dropped because the buffer was full (the oldest first). */
  dropped: number;
  lastError: string | null;
}

export interface AgentPublisherOptions {
  servers: string | string[];
  tenantId: string;
  /** The tenant's `.creds` file text (`kamiyo rca onboard` writes it). */
  creds: string;
  log: Logger;
  /** Messages kept while the platform cannot be reached (default 50,000). */
  capacity?: number;
  /** Messages a publish round sends (default 500). */
  batch?: number;
  backoff?: BackoffPolicy;
  /** Each publish's wait for the stream's acknowledgement (default 5 s). */
  timeoutMs?: number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2 };

/**
 * The agents' way to the platform: buffers what they collect (bounded; when full the oldest go
 * first, counted), publishes it to the tenant's streams on NATS JetStream with the tenant's
 * credentials, each message with its id so a retried publish is stored once, and retries a
 * failed round with jittered exponential backoff. A message leaves the buffer only once the
 * stream acknowledged it.
 */
export class AgentPublisher {
  readonly #opts: AgentPublisherOptions;
  readonly #buffer: { kind: StreamKind; message: BusMessage }[] = [];
  readonly #health: PublisherHealth = {
    connected: false,
    buffered: 0,
    published: 0,
    duplicates: 0,
    dropped: 0,
    lastError: null,
  };
  #nc: NatsConnection | null = null;
  #js: JetStreamClient | null = null;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(opts: AgentPublisherOptions) {
    this.#opts = opts;
  }

  /** Queues messages for the tenant's `kind` stream and starts a publish round. */
  enqueue(kind: StreamKind, messages: readonly BusMessage[]): void {
    const capacity = this.#opts.capacity ?? 50_000;
    for (const message of messages) this.#buffer.push({ kind, message });
    const over = this.#buffer.length - capacity;
    if (over > 0) {
      this.#buffer.splice(0, over);
      this.#health.dropped += over;
    }
    this.#health.buffered = this.#buffer.length;
    this.#schedule(0);
  }

  health(): PublisherHealth {
    return { ...this.#health };
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
    await this.#nc?.close();
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
      const js = await this.#client();
      const acks = await Promise.all(
        batch.map(({ kind, message }) =>
          js.publish(subjectOf(this.#opts.tenantId, kind), JSON.stringify(message.body), {
            msgID: `${kind}:${message.id}`,
            timeout: this.#opts.timeoutMs ?? 5_000,
          }),
        ),
      );
      this.#buffer.splice(0, batch.length);
      const duplicates = acks.filter((a) => a.duplicate).length;
      this.#health.published += acks.length - duplicates;
      this.#health.duplicates += duplicates;
      this.#health.lastError = null;
      this.#attempt = 0;
    } catch (err) {
      this.#health.lastError = String((err as Error).message ?? err);
      const wait = backoffDelay(this.#opts.backoff ?? DEFAULT_BACKOFF, this.#attempt, Math.random);
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

  async #client(): Promise<JetStreamClient> {
    if (this.#js && this.#nc && !this.#nc.isClosed()) return this.#js;
    this.#nc = await connect({
      servers: this.#opts.servers,
      name: `kamiyo-rca-agent-${this.#opts.tenantId}`,
      authenticator: credsAuthenticator(new TextEncoder().encode(this.#opts.creds)),
      inboxPrefix: inboxOf(this.#opts.tenantId),
      maxReconnectAttempts: -1,
      timeout: 5_000,
    });
    this.#health.connected = true;
    void this.#nc.closed().then(() => {
      this.#health.connected = false;
    });
    this.#js = jetstream(this.#nc);
    return this.#js;
  }
}
