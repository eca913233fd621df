import {
  type BatchOptions,
  type BusMessage,
  DEFAULT_BATCH,
  type Delivered,
  type IngestBus,
  type PublishResult,
} from "./ingest-bus.ts";
import type { StreamKind } from "./subjects.ts";

/** How long a message id is remembered to drop repeats (JetStream's default window too). */
export const DEDUPE_WINDOW_MS = 120_000;

interface Queued extends Omit<Delivered, "deliveries"> {
  deliveries: number;
}

/**
 * The ingest streams in this process, for the single-machine install (no NATS): a bounded queue
 * per tenant, repeats of an id within {@link DEDUPE_WINDOW_MS} dropped, a batch whose handler
 * failed delivered again from the head of its tenant's queue after `retryMs` (so order holds).
 * What is queued is lost if the process dies (JetStream keeps it).
 */
export class MemoryBus implements IngestBus {
  readonly #queues = new Map<string, Queued[]>();
  readonly #seen = new Map<string, number>();
  readonly #capacity: number;
  readonly #retryMs: number;
  readonly #now: () => number;
  #handler: ((batch: readonly Delivered[]) => Promise<void>) | null = null;
  #batch: Required<BatchOptions> = DEFAULT_BATCH;
  readonly #draining = new Set<string>();

  constructor(opts: { capacity?: number; retryMs?: number; now?: () => number } = {}) {
    this.#capacity = opts.capacity ?? 100_000;
    this.#retryMs = opts.retryMs ?? 1_000;
    this.#now = opts.now ?? Date.now;
  }

  async publish(
    tenantId: string,
    kind: StreamKind,
    messages: readonly BusMessage[],
  ): Promise<PublishResult> {
    const now = this.#now();
    // Ids are remembered in the order they came: the expired ones are at the front.
    for (const [key, at] of this.#seen) {
      if (now - at <= DEDUPE_WINDOW_MS) break;
      this.#seen.delete(key);
    }
    const queue = this.#queues.get(tenantId) ?? [];
    this.#queues.set(tenantId, queue);
    let accepted = 0;
    let duplicates = 0;
    for (const m of messages) {
      const key = `${tenantId}\u0000${kind}\u0000${m.id}`;
      if (this.#seen.has(key)) {
        duplicates += 1;
        continue;
      }
      if (queue.length >= this.#capacity)
        throw new Error(`ingest queue of ${tenantId} is full (${this.#capacity} messages)`);
      this.#seen.set(key, now);
      queue.push({ tenantId, kind, id: m.id, body: m.body, deliveries: 0 });
      accepted += 1;
    }
    this.#drain(tenantId);
    return { accepted, duplicates };
  }

  consume(
    handler: (batch: readonly Delivered[]) => Promise<void>,
    options: BatchOptions = {},
  ): () => Promise<void> {
    this.#handler = handler;
    this.#batch = { ...DEFAULT_BATCH, ...options };
    for (const tenantId of this.#queues.keys()) this.#drain(tenantId);
    return async () => {
      this.#handler = null;
    };
  }

  async close(): Promise<void> {
    this.#handler = null;
  }

  /** Delivers a tenant's queue in order, a batch at a time, removing a batch once handled. */
  #drain(tenantId: string): void {
    if (this.#draining.has(tenantId) || !this.#handler) return;
    this.#draining.add(tenantId);
    void (async () => {
      const queue = this.#queues.get(tenantId) ?? [];
      const { maxMessages, maxWaitMs } = this.#batch;
      let retry = false;
      while (queue.length > 0 && this.#handler) {
        if (!retry && queue.length < maxMessages && maxWaitMs > 0) await sleep(maxWaitMs);
        const handler = this.#handler;
        if (!handler) break;
        const batch = queue.slice(0, maxMessages);
        for (const m of batch) m.deliveries += 1;
        try {
          await handler(batch.map((m) => ({ ...m })));
          queue.splice(0, batch.length);
          retry = false;
        } catch {
          retry = true;
          await sleep(this.#retryMs);
        }
      }
      this.#draining.delete(tenantId);
    })();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
