import type { StreamKind } from "./subjects.ts";

/** One message of a tenant's stream: an id that de-duplicates retries, and its JSON body. */
export interface BusMessage {
  readonly id: string;
  readonly body: unknown;
}

/** A delivered message: where it came from, and how many times it was delivered. */
export interface Delivered extends BusMessage {
  readonly tenantId: string;
  readonly kind: StreamKind;
  readonly deliveries: number;
}

/** What publishing a batch did: stored, and dropped as a repeat of an id already stored. */
export interface PublishResult {
  readonly accepted: number;
  readonly duplicates: number;
}

/** How a consumer's batches are cut. */
export interface BatchOptions {
  /** The most messages in one batch. Default {@link DEFAULT_BATCH}.maxMessages. */
  readonly maxMessages?: number;
  /**
   * How long, in ms, a batch waits after its first message for more before it is handed over
   * with fewer than `maxMessages`. Default {@link DEFAULT_BATCH}.maxWaitMs; 0 takes what is there.
   */
  readonly maxWaitMs?: number;
}

/** 500 messages, or what has come 20 ms after the first. */
export const DEFAULT_BATCH = { maxMessages: 500, maxWaitMs: 20 } as const satisfies BatchOptions;

/**
 * The per-tenant ingest streams: agents' batches in, the graph builder's consumer out, in batches.
 * At least once: when the handler throws, every message of its batch is delivered again (with
 * `deliveries` counting up); a message id published twice within the de-duplication window is
 * stored once. NATS JetStream (`JetStreamBus`) when the platform is scaled out; an in-process
 * queue (`MemoryBus`) on one machine.
 */
export interface IngestBus {
  publish(
    tenantId: string,
    kind: StreamKind,
    messages: readonly BusMessage[],
  ): Promise<PublishResult>;
  /**
   * Delivers every tenant's messages to `handler` in batches cut as `options` says: each batch
   * holds one tenant's messages (any kinds) in order, and a tenant has one batch at a time in
   * the handler (tenants run side by side). A batch is done when the handler resolves; when it
   * throws, its messages are delivered again after the bus's retry delay. Returns a function
   * that stops consuming.
   */
  consume(
    handler: (batch: readonly Delivered[]) => Promise<void>,
    options?: BatchOptions,
  ): () => Promise<void>;
  close(): Promise<void>;
}
