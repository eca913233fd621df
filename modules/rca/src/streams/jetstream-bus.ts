import { readFile } from "node:fs/promises";
import { inBatches } from "@kamiyo/core";
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import {
  type BatchOptions,
  type BusMessage,
  DEFAULT_BATCH,
  type Delivered,
  type IngestBus,
  type PublishResult,
} from "./ingest-bus.ts";
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
  /** How long a handler may take before its batch is delivered again (default 30 s). */
  ackWaitMs?: number;
  /**
   * Delay before the messages of a failed batch are delivered again (default 1 s), doubling with
   * each delivery up to a minute, so a database outage is waited out rather than hammered.
   */
  retryMs?: number;
  /**
   * Deliveries of a message before JetStream gives up on it (default 60: about 50 minutes of
   * failures at the default delays); it stays in the stream, reported by JetStream's advisories.
   */
  maxDeliver?: number;
  /** Tenants to consume (the builder's); their streams are created if missing. */
  tenants: () => Promise<readonly string[]>;
  /** How often the tenants are read again, so a tenant onboarded later is consumed (default 30 s). */
  tenantsEveryMs?: number;
}

/** The longest a failed batch waits before its next delivery. */
const MAX_RETRY_MS = 60_000;

/**
 * The ingest streams on NATS JetStream: one stream per tenant (`RCA_<tenant>`, subjects
 * `<tenant>.>`; message ids de-duplicated over {@link DEDUPE_WINDOW_MS}, file storage), and the
 * graph builder's durable pull consumer on each, read in batches and acknowledging a batch's
 * messages only once its handler succeeded. The messages of a failed batch are delivered again
 * after `retryMs`, possibly after messages that followed them (the consumer keeps pulling); a
 * message whose body is not JSON is terminated (it could never succeed).
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

  /**
   * The platform's connection as its settings name it: `url` (servers comma-separated) and the
   * platform's `.creds` file, when the server requires one.
   */
  static async connectAs(
    url: string,
    credsFile: string | undefined,
    tenants: JetStreamBusOptions["tenants"],
  ): Promise<JetStreamBus> {
    return JetStreamBus.connect({
      servers: url.split(",").map((s) => s.trim()),
      ...(credsFile ? { creds: await readFile(credsFile, "utf8") } : {}),
      tenants,
    });
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

  consume(
    handler: (batch: readonly Delivered[]) => Promise<void>,
    options: BatchOptions = {},
  ): () => Promise<void> {
    const { maxMessages, maxWaitMs } = { ...DEFAULT_BATCH, ...options };
    let stopped = false;
    const running: Promise<void>[] = [];
    const stops: (() => void)[] = [];
    const consuming = new Set<string>();
    const retryMs = this.#opts.retryMs ?? 1_000;
    const consumeTenant = async (tenantId: string) => {
      await this.ensureStream(tenantId);
      const consumer = await this.#consumerOf(tenantId);
      const messages = await consumer.consume({ max_messages: maxMessages });
      stops.push(() => void messages.stop());
      running.push(
        (async () => {
          for await (const batch of inBatches(messages, maxMessages, maxWaitMs)) {
            const read = batch.map((m) => [m, delivered(m)] as const);
            const usable = read.filter(([m, d]) => {
              if (d === null) m.term();
              return d !== null;
            });
            if (usable.length === 0) continue;
            try {
              await handler(usable.map(([, d]) => d as Delivered));
              for (const [m] of usable) m.ack();
            } catch {
              for (const [m, d] of usable)
                m.nak(Math.min(retryMs * 2 ** ((d?.deliveries ?? 1) - 1), MAX_RETRY_MS));
            }
          }
        })(),
      );
    };
    // Every tenant now, and each one that appears later (onboarded while this process runs).
    const startNew = async () => {
      for (const tenantId of await this.#opts.tenants()) {
        if (stopped) return;
        if (consuming.has(tenantId)) continue;
        consuming.add(tenantId);
        await consumeTenant(tenantId).catch((err) => {
          consuming.delete(tenantId); // tried again at the next reading
          throw err;
        });
      }
    };
    let started = startNew();
    const timer = setInterval(() => {
      started = started.catch(() => {}).then(startNew);
    }, this.#opts.tenantsEveryMs ?? 30_000);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
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
        max_deliver: this.#opts.maxDeliver ?? 60,
      });
    }
    return this.#js.consumers.get(stream, BUILDER_CONSUMER);
  }
}

/** A JetStream message as delivered, or null when it is not one of ours (subject, JSON body). */
function delivered(m: JsMsg): Delivered | null {
  const where = parseSubject(m.subject);
  if (!where) return null;
  let body: unknown;
  try {
    body = m.json();
  } catch {
    return null;
  }
  return {
    tenantId: where.tenantId,
    kind: where.kind,
    id: (m.headers?.get("Nats-Msg-Id") ?? "").replace(/^[^:]*:/, ""),
    body,
    deliveries: m.info.deliveryCount,
  };
}
