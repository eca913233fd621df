import {
  type Clock,
  describeError,
  type Finding,
  type Logger,
  type TimerHandle,
} from "@kamiyo/core";
import type { Db, Queryable } from "@kamiyo/db";
import type { ChannelContext } from "./channels/channel-context.ts";
import { Mailer } from "./channels/email.ts";
import { sendThrough } from "./channels/registry.ts";
import { DeliveryWorker, type DeliveryWorkerOptions } from "./delivery/delivery-worker.ts";
import { HttpPoster, type PostPolicy } from "./delivery/http-post.ts";
import type { Resolver } from "./delivery/ssrf.ts";
import { AlertRouter } from "./routing/alert-router.ts";
import type { RoutingConfig } from "./routing/routing-config.ts";
import { activeSecrets } from "./store/channels.ts";
import type { ClaimedDelivery } from "./store/outbox.ts";
import type { SendOutcome } from "./types.ts";

export interface AlertingOptions {
  routing: RoutingConfig;
  delivery: DeliveryWorkerOptions & {
    /** Bound of one attempt, ms. */
    timeoutMs: number;
    /** User webhooks may use plain HTTP to loopback (development only). */
    allowLoopbackHttp: boolean;
  };
  /** How often held groups and summaries are checked, ms. */
  flushEveryMs: number;
}

/**
 * Alerting in one process: the router (run in the monitor's findings transaction through
 * `afterFindings`), the delivery worker draining the outbox, and the periodic flush of held
 * groups and summaries. Several processes may run it on one database.
 */
export class Alerting {
  readonly router: AlertRouter;
  readonly worker: DeliveryWorker;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #opts: AlertingOptions;
  readonly #http: HttpPoster;
  readonly #mailer = new Mailer();
  #flushTimer: TimerHandle | null = null;
  #flushing: Promise<void> | null = null;
  #stopped = false;

  constructor(
    deps: { db: Db; clock: Clock; log: Logger; resolve?: Resolver },
    opts: AlertingOptions,
  ) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#opts = opts;
    this.#http = new HttpPoster({ timeoutMs: opts.delivery.timeoutMs, resolve: deps.resolve });
    this.router = new AlertRouter(opts.routing);
    this.worker = new DeliveryWorker(
      { db: deps.db, clock: deps.clock, log: deps.log, dispatch: (d, now) => this.#send(d, now) },
      opts.delivery,
    );
  }

  /** The monitor's after-findings step: routes findings in the transaction that stores them. */
  readonly afterFindings = async (tx: Queryable, findings: Finding[]): Promise<void> => {
    const byTenant = new Map<string, Finding[]>();
    for (const f of findings) byTenant.set(f.tenantId, [...(byTenant.get(f.tenantId) ?? []), f]);
    for (const [tenantId, fs] of byTenant)
      await this.router.route(tx, tenantId, fs, this.#clock.now());
  };

  start(): void {
    this.worker.start();
    this.#scheduleFlush();
  }

  /** Deliveries were stored (after the transaction committed): send them now. */
  wake(): void {
    this.worker.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#flushTimer?.cancel();
    await this.#flushing;
    await this.worker.stop();
    await this.#http.close();
    this.#mailer.close();
  }

  #scheduleFlush(): void {
    if (this.#stopped) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = null;
        this.#scheduleFlush();
      });
    }, this.#opts.flushEveryMs);
  }

  async #flush(): Promise<void> {
    try {
      const n = await this.#db.transaction((tx) => this.router.flushDue(tx, this.#clock.now()));
      if (n > 0) this.worker.wake();
    } catch (err) {
      this.#log.error({ err: describeError(err) }, "flushing held alerts failed");
    }
  }

  #send(d: ClaimedDelivery, nowMs: number): Promise<SendOutcome> {
    const policy: PostPolicy =
      d.channel.origin === "config"
        ? "trusted"
        : this.#opts.delivery.allowLoopbackHttp
          ? "guarded-allow-loopback"
          : "guarded";
    const ctx: ChannelContext = {
      deliveryId: d.id,
      nowMs,
      http: this.#http,
      policy,
      timeoutMs: this.#opts.delivery.timeoutMs,
      secrets: activeSecrets(d.channel, nowMs),
      mailer: this.#mailer,
    };
    return sendThrough(d.channel.kind, d.channel.config, d.alert, ctx);
  }
}
