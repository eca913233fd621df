import {
  type Clock,
  describeError,
  type Finding,
  type IoTracker,
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
import type { ChannelSecretBox } from "./store/channel-secrets.ts";
import { activeSecrets } from "./store/channels.ts";
import type { ClaimedDelivery, DeliveryMode, StoredAlert } from "./store/outbox.ts";
import type { SendOutcome } from "./types.ts";

export interface AlertingOptions {
  routing: RoutingConfig;
  delivery: DeliveryWorkerOptions & {
    /** Bound of one attempt, ms. */
    timeoutMs: number;
    /** User webhooks may use plain HTTP to loopback (development only). */
    allowLoopbackHttp: boolean;
  };
  /**
   * How often held groups and summaries are checked, ms (other processes may hold alerts too:
   * incident imports); null checks only at the due times of what this process held.
   */
  flushEveryMs: number | null;
  /**
   * `send` (default): deliveries go to the outbox for the worker, which `start` runs. `record`
   * (replays): the router decides and stores alerts as always, their deliveries are stored never
   * to be sent, and no worker runs.
   */
  deliveries?: DeliveryMode;
}

/** Told, after the transaction that stored them committed, of the alerts stored. */
export type AlertsStoredListener = (stored: readonly StoredAlert[]) => void;

/**
 * Alerting in one process: the router (run in the monitor's findings transaction through
 * `afterFindings`), the delivery worker draining the outbox, and the flush of held groups and
 * summaries (periodic, and at the due times of what this process held). Several processes may
 * run it on one database.
 */
export class Alerting {
  readonly router: AlertRouter;
  readonly worker: DeliveryWorker;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #io: IoTracker | null;
  readonly #opts: AlertingOptions;
  readonly #http: HttpPoster;
  readonly #mailer = new Mailer();
  readonly #listeners: AlertsStoredListener[] = [];
  #flushTimer: TimerHandle | null = null;
  #dueTimer: { at: number; handle: TimerHandle } | null = null;
  #flushing: Promise<void> | null = null;
  #started = false;
  #stopped = false;

  /**
   * @param deps.io when given, flushes count as I/O in flight (a replay waits for them before
   *   moving its clock on).
   */
  constructor(
    deps: {
      db: Db;
      clock: Clock;
      log: Logger;
      resolve?: Resolver;
      io?: IoTracker;
      /** Opens the channels' secrets: the install's key ring, or null without one. */
      secrets: ChannelSecretBox;
    },
    opts: AlertingOptions,
  ) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#io = deps.io ?? null;
    this.#opts = opts;
    this.#http = new HttpPoster({ timeoutMs: opts.delivery.timeoutMs, resolve: deps.resolve });
    this.router = new AlertRouter(opts.routing, {
      deliveries: opts.deliveries,
      secrets: deps.secrets,
    });
    this.worker = new DeliveryWorker(
      {
        db: deps.db,
        clock: deps.clock,
        log: deps.log,
        dispatch: (d, now) => this.#send(d, now),
        secrets: deps.secrets,
      },
      opts.delivery,
    );
  }

  /**
   * The monitor's after-findings step: routes findings in the transaction that stores them.
   * @returns what to do once that transaction committed: tell the listeners, wake the worker,
   *   schedule the flush of what was held.
   */
  readonly afterFindings = async (tx: Queryable, findings: Finding[]): Promise<() => void> => {
    // Findings are public data: each goes to the tenant that produced it and to every tenant
    // with an enabled channel of its own (each routes, dedups, caps and silences separately).
    const subscribers = await tx.query<{ tenant_id: string }>(
      "SELECT DISTINCT tenant_id FROM alert_channels WHERE enabled",
    );
    const tenants = new Set([
      ...findings.map((f) => f.tenantId),
      ...subscribers.map((r) => r.tenant_id),
    ]);
    const stored: StoredAlert[] = [];
    let dueAt: number | null = null;
    for (const tenantId of tenants) {
      const r = await this.router.route(tx, tenantId, findings, this.#clock.now());
      stored.push(...r.stored);
      if (r.nextFlushAt !== null) dueAt = Math.min(dueAt ?? r.nextFlushAt, r.nextFlushAt);
    }
    return () => {
      this.#committed(stored);
      if (dueAt !== null) this.#flushAt(dueAt);
    };
  };

  /** Calls `fn` with the alerts stored by this process, after their transaction committed. */
  onAlertsStored(fn: AlertsStoredListener): void {
    this.#listeners.push(fn);
  }

  /** Starts the delivery worker (unless deliveries are only recorded) and the periodic flush. */
  start(): void {
    this.#started = true;
    if ((this.#opts.deliveries ?? "send") === "send") this.worker.start();
    this.#scheduleFlush();
  }

  /** Deliveries were stored (after the transaction committed): send them now. */
  wake(): void {
    this.worker.wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#flushTimer?.cancel();
    this.#dueTimer?.handle.cancel();
    await this.#flushing;
    await this.worker.stop();
    await this.#http.close();
    this.#mailer.close();
  }

  #scheduleFlush(): void {
    const every = this.#opts.flushEveryMs;
    if (this.#stopped || every === null) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      void this.#runFlush().finally(() => this.#scheduleFlush());
    }, every);
  }

  /** Flushes at `at` (clock time), unless a flush is already due earlier. */
  #flushAt(at: number): void {
    if (!this.#started || this.#stopped) return;
    if (this.#dueTimer && this.#dueTimer.at <= at) return;
    this.#dueTimer?.handle.cancel();
    const handle = this.#clock.setTimeout(
      () => {
        this.#dueTimer = null;
        void this.#runFlush();
      },
      Math.max(0, at - this.#clock.now()),
    );
    this.#dueTimer = { at, handle };
  }

  /** One flush at a time; a flush asked for while one runs follows it. */
  #runFlush(): Promise<void> {
    const run = async () => {
      await this.#flushing;
      await (this.#io ? this.#io.track(() => this.#flush()) : this.#flush());
    };
    const p = run().finally(() => {
      if (this.#flushing === p) this.#flushing = null;
    });
    this.#flushing = p;
    return p;
  }

  async #flush(): Promise<void> {
    try {
      const r = await this.#db.transaction((tx) => this.router.flushDue(tx, this.#clock.now()));
      this.#committed(r.stored);
    } catch (err) {
      this.#log.error({ err: describeError(err) }, "flushing held alerts failed");
    }
  }

  /** Alerts were committed: tell the listeners and the worker. */
  #committed(stored: readonly StoredAlert[]): void {
    if (stored.length === 0) return;
    for (const fn of this.#listeners) {
      try {
        fn(stored);
      } catch (err) {
        this.#log.error({ err: describeError(err) }, "alerts-stored listener failed");
      }
    }
    if (stored.some((s) => s.deliveries.length > 0)) this.worker.wake();
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
