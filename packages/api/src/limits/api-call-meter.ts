import { randomBytes } from "node:crypto";
import { type ProductId, recordUsage, type UsageEvent } from "@kamiyo/billing";
import type { Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";

const MINUTE_MS = 60_000;
const MAX_UNSENT = 3_600;

/**
 * Meters API calls (`api_calls`) without a write per request: calls are counted in memory per
 * tenant, product and minute, and written as one usage event per group every `flushMs`. Each
 * group's idempotency key names this process and the flush, so a flush retried after an error
 * (its rows may have been written) is never counted twice; the event time is the group's first
 * call, so hourly and daily windows stay exact. At most one flush interval of calls is lost if the process
 * dies (`close` flushes what is left).
 */
export class ApiCallMeter {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #instance = randomBytes(6).toString("hex");
  #counts = new Map<string, UsageEvent>();
  /** Batches whose write failed, retried first, with their keys unchanged. */
  #unsent: UsageEvent[][] = [];
  #flushes = 0;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;

  constructor(deps: { db: Db; log: Logger; now: () => number }, flushMs = 1_000) {
    this.#db = deps.db;
    this.#log = deps.log;
    this.#now = deps.now;
    if (flushMs > 0) {
      this.#timer = setInterval(() => void this.flush(), flushMs);
      this.#timer.unref();
    }
  }

  /** One call to `product`'s API by `tenantId`, now. */
  count(tenantId: string, product: ProductId): void {
    const now = this.#now();
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const group = `${tenantId}|${product}|${minute}`;
    const e = this.#counts.get(group);
    if (e) e.value += 1;
    else
      this.#counts.set(group, {
        tenantId,
        product,
        meter: "api_calls",
        value: 1,
        // The group's first call: its hour and day are the minute's, and, unlike the minute's
        // start, it never falls before a billing period that began within the minute.
        eventAt: now,
        idempotencyKey: "",
      });
  }

  /** Writes what was counted since the last flush (and any batch that failed before). */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.flush();
  }

  async #flush(): Promise<void> {
    if (this.#counts.size > 0) {
      const seq = ++this.#flushes;
      const batch = [...this.#counts.values()].map((e) => ({
        ...e,
        idempotencyKey: `api_calls:${this.#instance}:${seq}:${e.product}:${e.eventAt}`,
      }));
      this.#counts = new Map();
      this.#unsent.push(batch);
      // An hour of flushes held while the database is away; older ones are given up, and said so.
      if (this.#unsent.length > MAX_UNSENT) {
        const lost = this.#unsent.shift() ?? [];
        this.#log.error({ events: lost.length }, "API call usage dropped: the database is away");
      }
    }
    while (this.#unsent.length > 0) {
      const batch = this.#unsent[0] as UsageEvent[];
      try {
        await recordUsage(this.#db, batch, this.#now());
        this.#unsent.shift();
      } catch (err) {
        this.#log.warn(
          { events: batch.length, error: String(err) },
          "could not record API call usage; retrying at the next flush",
        );
        return;
      }
    }
  }
}
