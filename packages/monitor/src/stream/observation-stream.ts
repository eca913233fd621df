import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { inBatches, type Observation } from "@kamiyo/core";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { observationJson, observationOfJson } from "./observation-json.ts";

const NS = 1_000_000; // nanoseconds a millisecond

export interface ObservationStreamOptions {
  /** NATS server(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** A `.creds` file's text, where the server requires one. */
  creds?: string;
  /** The stream (default `KAMIYO_OBSERVATIONS`); its subjects are `<subjectPrefix>.<type>`. */
  stream?: string;
  /** Default: the stream's name. */
  subjectPrefix?: string;
  /** How long the stream keeps an observation (default 24 hours). */
  maxAgeMs?: number;
  /**
   * How long a published observation's id is remembered, so the same observation published again
   * (by a second ingest replica, or a retried publish) is stored once (default 2 minutes).
   */
  duplicateWindowMs?: number;
  /**
   * How long a consumer may hold a batch unacknowledged before JetStream delivers it again
   * (default 10 s): after a consumer is killed, what it held comes back this long after.
   */
  ackWaitMs?: number;
  /** Delay before a failed batch is tried again (default 1 s), doubling up to a minute. */
  retryMs?: number;
}

/** What a consumer's handler gets: the observations of a batch, in the stream's order. */
export interface ObservationBatch {
  observations: Observation[];
  /** The stream sequence of the batch's last message. */
  lastSeq: number;
  /** How many of its messages JetStream delivered before (to a consumer that died holding them). */
  redelivered: number;
  /** 1, then 2, 3… when the handler failed on it and this process tries it again. */
  attempt: number;
}

export interface ConsumeOptions {
  /** Most observations a batch (default 1,000). */
  maxMessages?: number;
  /** How long a batch waits for more after its first (default 50 ms). */
  maxWaitMs?: number;
  /** Told of each failed attempt (for the log); the batch is tried again after a delay. */
  onError?: (err: unknown, attempt: number) => void;
}

/** The longest a failed batch waits before it is tried again. */
const MAX_RETRY_MS = 60_000;

/** Resolves after `ms`, or as soon as `cut` does. */
const sleep = (ms: number, cut: Promise<void>) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void cut.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * The pipeline's observations on NATS JetStream, between the processes that ingest them and
 * those that detect on them (`kamiyo serve --role ingest|detect`). One stream, a subject per
 * observation type; each observation's id is the SHA-256 of its JSON, so JetStream stores the
 * same observation published twice within the duplicate window once. A consumer group is a
 * durable pull consumer with explicit acknowledgements and one batch in flight: a batch is
 * acknowledged only once its handler resolved (its findings and rows committed); one whose
 * handler failed is tried again in place, and one a killed process held is delivered again after
 * the ack wait, to whichever process of the group pulls next, before anything that followed it.
 */
export class ObservationStream {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #opts: Required<Omit<ObservationStreamOptions, "creds" | "servers">>;
  #ready: Promise<void> | null = null;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, opts: ObservationStreamOptions) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    const stream = opts.stream ?? "KAMIYO_OBSERVATIONS";
    this.#opts = {
      stream,
      subjectPrefix: opts.subjectPrefix ?? stream,
      maxAgeMs: opts.maxAgeMs ?? 86_400_000,
      duplicateWindowMs: opts.duplicateWindowMs ?? 120_000,
      ackWaitMs: opts.ackWaitMs ?? 10_000,
      retryMs: opts.retryMs ?? 1_000,
    };
  }

  static async connect(opts: ObservationStreamOptions): Promise<ObservationStream> {
    const nc = await connect({
      servers: opts.servers,
      name: "kamiyo-pipeline",
      timeout: 5_000,
      // A NATS restart is waited out, not fatal: the client reconnects and resends.
      maxReconnectAttempts: -1,
      ...(opts.creds
        ? { authenticator: credsAuthenticator(new TextEncoder().encode(opts.creds)) }
        : {}),
    });
    return new ObservationStream(nc, await jetstreamManager(nc), opts);
  }

  /** As the settings name it: servers comma-separated, and a `.creds` file where required. */
  static async connectTo(
    url: string,
    credsFile?: string,
    opts: Omit<ObservationStreamOptions, "servers" | "creds"> = {},
  ): Promise<ObservationStream> {
    return ObservationStream.connect({
      ...opts,
      servers: url.split(",").map((s) => s.trim()),
      ...(credsFile ? { creds: await readFile(credsFile, "utf8") } : {}),
    });
  }

  /** Creates the stream if it does not exist. */
  ensureStream(): Promise<void> {
    this.#ready ??= (async () => {
      const { stream, subjectPrefix, maxAgeMs, duplicateWindowMs } = this.#opts;
      try {
        await this.#jsm.streams.info(stream);
      } catch {
        await this.#jsm.streams.add({
          name: stream,
          subjects: [`${subjectPrefix}.>`],
          max_age: maxAgeMs * NS,
          duplicate_window: duplicateWindowMs * NS,
        });
      }
    })().catch((err) => {
      this.#ready = null;
      throw err;
    });
    return this.#ready;
  }

  /**
   * Publishes `observations` in order, each under its subject and id; resolves once JetStream
   * stored them.
   * @returns how many were new, and how many it already held (the same id in its window).
   * @throws TypeError for an observation JSON cannot carry or a type that is no subject token.
   */
  async publish(
    observations: readonly Observation[],
  ): Promise<{ accepted: number; duplicates: number }> {
    await this.ensureStream();
    const acks = await Promise.all(
      observations.map((obs) => {
        if (!/^[A-Za-z0-9_-]+$/.test(obs.type))
          throw new TypeError(`observation type ${JSON.stringify(obs.type)} is no subject token`);
        const text = observationJson(obs);
        return this.#js.publish(`${this.#opts.subjectPrefix}.${obs.type}`, text, {
          msgID: createHash("sha256").update(text).digest("base64url"),
        });
      }),
    );
    const duplicates = acks.filter((a) => a.duplicate).length;
    return { accepted: acks.length - duplicates, duplicates };
  }

  /**
   * Consumes the stream as `group` (a durable consumer, created if missing, from the stream's
   * start): `handler` gets the observations in batches, one batch at a time, in the stream's
   * order; a batch is acknowledged when `handler` resolves and delivered again (after
   * `retryMs`, doubling) when it rejects, held all the while, so nothing that followed it comes
   * first. A message that is not an observation is terminated.
   * @returns a function that stops consuming (after the batch in hand) and resolves then.
   */
  async consume(
    group: string,
    handler: (batch: ObservationBatch) => Promise<void>,
    options: ConsumeOptions = {},
  ): Promise<() => Promise<void>> {
    await this.ensureStream();
    const maxMessages = options.maxMessages ?? 1_000;
    const { stream, ackWaitMs, retryMs } = this.#opts;
    try {
      await this.#jsm.consumers.info(stream, group);
    } catch {
      await this.#jsm.consumers.add(stream, {
        durable_name: group,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ackWaitMs * NS,
        // One batch in flight: nothing newer is delivered before a batch is acknowledged, so a
        // batch delivered again comes before what followed it (detectors see the stream's order).
        max_ack_pending: maxMessages,
      });
    }
    const consumer = await this.#js.consumers.get(stream, group);
    const messages = await consumer.consume({ max_messages: maxMessages });
    let stopping = false;
    const stopped = Promise.withResolvers<void>();
    const running = (async () => {
      for await (const batch of inBatches(messages, maxMessages, options.maxWaitMs ?? 50)) {
        const read: [JsMsg, Observation][] = [];
        for (const m of batch) {
          try {
            read.push([m, observationOfJson(m.string())]);
          } catch {
            m.term(); // it could never succeed
          }
        }
        if (read.length === 0) continue;
        // A long batch keeps its messages: JetStream waits another ackWait from each signal.
        const working = setInterval(() => {
          for (const [m] of read) m.working();
        }, ackWaitMs / 2);
        try {
          // A failed batch is tried again here, held (never nak'd: JetStream would deliver what
          // followed it first), until it succeeds or the consumer stops.
          for (let attempt = 1; ; attempt++) {
            try {
              await handler({
                observations: read.map(([, o]) => o),
                lastSeq: (read.at(-1) as [JsMsg, Observation])[0].seq,
                redelivered: read.filter(([m]) => m.redelivered).length,
                attempt,
              });
              for (const [m] of read) m.ack();
              break;
            } catch (err) {
              options.onError?.(err, attempt);
              if (stopping) {
                for (const [m] of read) m.nak();
                break;
              }
              await sleep(Math.min(retryMs * 2 ** (attempt - 1), MAX_RETRY_MS), stopped.promise);
            }
          }
        } finally {
          clearInterval(working);
        }
      }
    })();
    return async () => {
      stopping = true;
      stopped.resolve();
      await messages.close();
      await running;
    };
  }

  /** Observations the group has not had acknowledged yet (pending and in flight). */
  async lag(group: string): Promise<{ pending: number; inFlight: number }> {
    const info = await this.#jsm.consumers.info(this.#opts.stream, group);
    return { pending: info.num_pending, inFlight: info.num_ack_pending };
  }

  /** What the stream holds: its observations and the sequence of its last. */
  async state(): Promise<{ messages: number; lastSeq: number }> {
    await this.ensureStream();
    const info = await this.#jsm.streams.info(this.#opts.stream);
    return { messages: info.state.messages, lastSeq: info.state.last_seq };
  }

  /**
   * Deletes a consumer group: started again, the group reads the stream from its start (an
   * operator detecting again from what the stream still holds).
   */
  async deleteGroup(group: string): Promise<void> {
    await this.#jsm.consumers.delete(this.#opts.stream, group).catch(() => false);
  }

  /** Deletes the stream and its consumers (tests, and an operator starting over). */
  async deleteStream(): Promise<void> {
    await this.#jsm.streams.delete(this.#opts.stream).catch(() => false);
    this.#ready = null;
  }

  /**
   * Tells the processes listening (`onFindingsWritten`) that findings were committed: a notice on
   * the core NATS subject `<subjectPrefix>-findings`, outside the stream (nothing is stored; the
   * database holds the findings, and a listener missing a notice reads them at its next poll).
   */
  announceFindingsWritten(): void {
    this.#nc.publish(`${this.#opts.subjectPrefix}-findings`);
  }

  /** Resolves once the server has what this connection sent (and its subscriptions). */
  async flush(): Promise<void> {
    await this.#nc.flush();
  }

  /** Calls `fn` on each notice of `announceFindingsWritten`. @returns a function that stops. */
  onFindingsWritten(fn: () => void): () => void {
    const sub = this.#nc.subscribe(`${this.#opts.subjectPrefix}-findings`, {
      callback: (err) => {
        if (!err) fn();
      },
    });
    return () => sub.unsubscribe();
  }

  /** Sends what is buffered, then closes the connection. */
  async close(): Promise<void> {
    await this.#nc.drain();
  }
}
