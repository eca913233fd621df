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

/**
 * The per-tenant ingest streams: agents' batches in, the graph builder's consumer out. At least
 * once: a message whose handler throws is delivered again (with `deliveries` counting up); a
 * message id published twice within the de-duplication window is stored once. NATS JetStream
 * (`JetStreamBus`) when the platform is scaled out; an in-process queue (`MemoryBus`) on one
 * machine.
 */
export interface IngestBus {
  publish(
    tenantId: string,
    kind: StreamKind,
    messages: readonly BusMessage[],
  ): Promise<PublishResult>;
  /**
   * Delivers every tenant's messages to `handler`, one at a time per tenant and in order; a
   * message is done when the handler resolves. Returns a function that stops consuming.
   */
  consume(handler: (message: Delivered) => Promise<void>): () => Promise<void>;
  close(): Promise<void>;
}
