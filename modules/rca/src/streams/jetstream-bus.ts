import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { BusMessage, Delivered, IngestBus, PublishResult } from "./ingest-bus.ts";
import { DEDUPE_WINDOW_MS } from "./memory-bus.ts";
import { parseSubject, type StreamKind, subjectOf, tenantSubjects } from "./subjects.ts";

const MS = 1_000_000; // nanoseconds
/** The durable consumer of the graph builder on every tenant's stream. */
export const BUILDER_CONSUMER = "rca-graph-builder";

/** A tenant's stream: `RCA_<tenant>`, holding its five subjects. */
export const streamOf = (tenantId: string) => `RCA_${tenantId}`;

export interface JetStreamBusOptions {
  /** NATS server(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** The platform's `.creds` file text (`createNatsTrust`), where the server requires one. */
  creds?: string;
  /** How long a tenant's stream keeps messages (default 7 days). */
  maxAgeMs?: number;
  /** How long a handler may take before the message is delivered again (default 30 s). */
  ackWaitMs?: number;
  /** Delay before a failed message is delivered again (default 1 s). */
  retryMs?: number;
  /** Tenants to consume (the builder's); their streams are created if missing. */
  tenants: () => Promise<readonly string[]>;
}

/**
 * The ingest streams on NATS JetStream: one stream per tenant (`RCA_<tenant>`, subjects
 * `<tenant>.>`; message ids de-duplicated over {@link DEDUPE_WINDOW_MS}, file storage), and the
 * graph builder's durable pull consumer on each, acknowledging a message only once its handler
 * succeeded (a failure is redelivered after `retryMs`).
 */
export class JetStreamBus implements IngestBus {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #opts: JetStreamBusOptions;
  readonly #ready = new Set<string>();

  private constructor(nc: NatsConnection, jsm: JetStreamManager, opts: JetStreamBusOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#opts = opts;
  }

  static async connect(opts: JetStreamBusOptions): Promise<JetStreamBus> {
    const nc = await connect({
      servers: opts.servers,
      name: "kamiyo-rca",
      timeout: 5_000,
      ...(opts.creds
        ? { authenticator: credsAuthenticator(new TextEncoder().encode(opts.creds)) }
        : {}),
    });
    return new JetStreamBus(nc, await jetstreamManager(nc), opts);
  }

  /** Creates the tenant's stream if it does not exist yet. */
  async ensureStream(tenantId: string): Promise<void> {
    if (this.#ready.has(tenantId)) return;
    const name = streamOf(tenantId);
    const config = {
      name,
      subjects: [tenantSubjects(tenantId)],
      duplicate_window: DEDUPE_WINDOW_MS * MS,
      max_age: (this.#opts.maxAgeMs ?? 7 * 86_400_000) * MS,
    };
    try {
      await this.#jsm.streams.info(name);
    } catch {
      await this.#jsm.streams.add(config);
    }
    this.#ready.add(tenantId);
  }

  /** Deletes the tenant's stream and what it holds (offboarding). */
  async deleteStream(tenantId: string): Promise<void> {
    await this.#jsm.streams.delete(streamOf(tenantId)).catch(() => false);
    this.#ready.delete(tenantId);
  }

  async publish(
    tenantId: string,
    kind: StreamKind,
    messages: readonly BusMessage[],
  ): Promise<PublishResult> {
    await this.ensureStream(tenantId);
    const subject = subjectOf(tenantId, kind);
    const acks = await Promise.all(
      messages.map((m) =>
        this.#js.publish(subject, JSON.stringify(m.body), { msgID: `${kind}:${m.id}` }),
      ),
    );
    const duplicates = acks.filter((a) => a.duplicate).length;
    return { accepted: acks.length - duplicates, duplicates };
  }

  consume(handler: (message: Delivered) => Promise<void>): () => Promise<void> {
    let stopped = false;
    const running: Promise<void>[] = [];
    const stops: (() => void)[] = [];
    const start = async () => {
      for (const tenantId of await this.#opts.tenants()) {
        if (stopped) return;
        await this.ensureStream(tenantId);
        const consumer = await this.#consumerOf(tenantId);
        const messages = await consumer.consume({ max_messages: 100 });
        stops.push(() => void messages.stop());
        running.push(
          (async () => {
            for await (const m of messages) {
              const where = parseSubject(m.subject);
              if (!where) {
                m.term();
                continue;
              }
              const id = (m.headers?.get("Nats-Msg-Id") ?? "").replace(/^[^:]*:/, "");
              try {
                await handler({
                  tenantId: where.tenantId,
                  kind: where.kind,
                  id,
                  body: m.json(),
                  deliveries: m.info.deliveryCount,
                });
                m.ack();
              } catch {
                m.nak(this.#opts.retryMs ?? 1_000);
              }
            }
          })(),
        );
      }
    };
    const started = start();
    return async () => {
      stopped = true;
      await started.catch(() => {});
      for (const stop of stops) stop();
      await Promise.allSettled(running);
    };
  }

  async close(): Promise<void> {
    await this.#nc.drain();
  }

  async #consumerOf(tenantId: string): Promise<Consumer> {
    const stream = streamOf(tenantId);
    try {
      await this.#jsm.consumers.info(stream, BUILDER_CONSUMER);
    } catch {
      await this.#jsm.consumers.add(stream, {
        durable_name: BUILDER_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (this.#opts.ackWaitMs ?? 30_000) * MS,
      });
    }
    return this.#js.consumers.get(stream, BUILDER_CONSUMER);
  }
}
