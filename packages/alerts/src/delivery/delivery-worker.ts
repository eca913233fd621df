import { randomBytes } from "node:crypto";
import { recordUsage } from "@kamiyo/billing";
import { type Clock, describeError, type Logger, type TimerHandle } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { failure } from "../outcome.ts";
import type { ChannelSecretBox } from "../store/channel-secrets.ts";
import {
  type AttemptResult,
  type ClaimedDelivery,
  claimDue,
  recordAttempts,
} from "../store/outbox.ts";
import type { SendOutcome } from "../types.ts";
import { deliveryUsage } from "./delivery-usage.ts";
import { updateEndpointHealth } from "./endpoint-health.ts";
import { afterAttempt } from "./retry-schedule.ts";

/** Sends one claimed delivery through its channel. Never throws. */
export type Dispatch = (d: ClaimedDelivery, nowMs: number) => Promise<SendOutcome>;

export interface DeliveryWorkerOptions {
  /** Deliveries claimed per round. */
  batchSize: number;
  /** Attempts in flight at once. */
  concurrency: number;
  /** How long a claim holds a delivery; longer than an attempt can take. */
  leaseMs: number;
  /** Polling interval when idle (an in-process `wake()` skips the wait). */
  pollMs: number;
  /** Delays before each retry. */
  retrySchedule: readonly number[];
  /** A channel failing without a success this long is disabled. */
  disableAfterMs: number;
}

export interface DeliveryWorkerStats {
  attempts: number;
  delivered: number;
  failed: number;
  exhausted: number;
  errors: number;
}

/**
 * Drains the outbox: claims due deliveries (several workers, in one process or many, share it),
 * attempts them with bounded concurrency, records every attempt and each delivery's next state in
 * one transaction per round, and disables channels that keep failing.
 */
export class DeliveryWorker {
  readonly id = `wrk_${randomBytes(6).toString("hex")}`;
  readonly stats: DeliveryWorkerStats = {
    attempts: 0,
    delivered: 0,
    failed: 0,
    exhausted: 0,
    errors: 0,
  };
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #dispatch: Dispatch;
  readonly #opts: DeliveryWorkerOptions;
  readonly #secrets: ChannelSecretBox;
  #running = false;
  #loops: Promise<void>[] = [];
  readonly #sleepers = new Set<() => void>();
  #woken = false;

  constructor(
    deps: { db: Db; clock: Clock; log: Logger; dispatch: Dispatch; secrets: ChannelSecretBox },
    opts: DeliveryWorkerOptions,
  ) {
    this.#secrets = deps.secrets;
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#dispatch = deps.dispatch;
    this.#opts = opts;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    // Two rounds overlap: one claims or records while the other's requests are in flight.
    this.#loops = [this.#run(), this.#run()];
  }

  /** New deliveries were stored: look now instead of at the next poll. */
  wake(): void {
    this.#woken = true;
    for (const wake of this.#sleepers) wake();
  }

  /** Finishes the round in flight (its attempts are recorded), then stops. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await Promise.all(this.#loops);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let claimed = 0;
      try {
        claimed = await this.#round();
      } catch (err) {
        this.stats.errors++;
        this.#log.error({ err: describeError(err) }, "delivery round failed");
      }
      if (claimed < this.#opts.batchSize && this.#running) await this.#idle();
    }
  }

  /** @returns how many deliveries were claimed. */
  async #round(): Promise<number> {
    this.#woken = false;
    const claimed = await claimDue(
      this.#db,
      this.id,
      this.#clock.now(),
      this.#opts.leaseMs,
      this.#opts.batchSize,
      this.#secrets,
    );
    if (claimed.length === 0) return 0;
    const results = await this.#attemptAll(claimed);
    const now = this.#clock.now();
    await this.#db.transaction(async (tx) => {
      await recordAttempts(tx, this.id, results, now);
      await updateEndpointHealth(tx, results, now, this.#opts.disableAfterMs);
      // Metered with the attempts: a delivery is counted exactly when it is recorded delivered.
      await recordUsage(tx, deliveryUsage(results, now), now);
    });
    for (const r of results) {
      this.stats.attempts++;
      if (r.status === "delivered") this.stats.delivered++;
      else if (r.status === "exhausted") this.stats.exhausted++;
      else this.stats.failed++;
    }
    return claimed.length;
  }

  async #attemptAll(claimed: ClaimedDelivery[]): Promise<AttemptResult[]> {
    const results: AttemptResult[] = new Array(claimed.length);
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < claimed.length; i = next++) {
        const delivery = claimed[i] as ClaimedDelivery;
        const startedAt = this.#clock.now();
        let outcome: SendOutcome;
        try {
          if (delivery.unreadable) throw new Error(delivery.unreadable);
          outcome = await this.#dispatch(delivery, startedAt);
        } catch (err) {
          // A channel must not throw; if one does, the attempt is a retryable failure.
          outcome = failure(`channel failed: ${describeError(err)}`, {
            retry: true,
            latencyMs: this.#clock.now() - startedAt,
          });
        }
        const after = afterAttempt(
          outcome,
          delivery.scheduleStep,
          this.#clock.now(),
          this.#opts.retrySchedule,
        );
        results[i] = { delivery, startedAt, outcome, ...after };
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.#opts.concurrency, claimed.length) }, lane),
    );
    return results;
  }

  /** Waits for a wake-up, the poll interval, or the stop. */
  async #idle(): Promise<void> {
    if (this.#woken) return;
    let timer: TimerHandle | null = null;
    let wake: () => void = () => {};
    await new Promise<void>((resolve) => {
      wake = resolve;
      this.#sleepers.add(wake);
      timer = this.#clock.setTimeout(resolve, this.#opts.pollMs);
    });
    (timer as TimerHandle | null)?.cancel();
    this.#sleepers.delete(wake);
  }
}
