import { BoundedQueue, type Clock } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { appendAuditRecord } from "../audit/append.ts";
import type { BidGate, BidRequest, BidVerdict } from "./bid-gate.ts";
import { assertMicros } from "./money.ts";
import {
  type AdPlatform,
  type AmountChange,
  BidStoppedError,
  MissingCredentialsError,
  PlatformError,
  type PlatformId,
  type SpendQuery,
  type TenantPlatforms,
} from "./platform.ts";
import {
  type LaneOptions,
  type LaneSnapshot,
  PlatformLane,
  type PlatformPause,
} from "./platform-lane.ts";

/** What became of a bid. */
export type BidOutcome =
  | { status: "denied"; decisionId: string; reasons: readonly string[] }
  | { status: "sent"; decisionId: string; externalId: string; auditSeq: number };

/** What the bidder is built with. */
export interface BidderDeps {
  db: Db;
  /** The policy check: nothing is sent that it did not allow. */
  gate: BidGate;
  /** Each tenant's clients to the platforms: its bids go out with its own credentials. */
  platforms: TenantPlatforms;
  clock: Clock;
  /** Per platform: its lanes' timeouts, retries, breaker and pace (`LANE_DEFAULTS` otherwise). */
  lanes?: Partial<Record<PlatformId, Partial<LaneOptions>>>;
  /** Bids waiting per account before more are refused; default 1,000. */
  queueCapacity?: number;
}

/**
 * What the bidder last knew of one platform object's budget: the daily amount an accepted bid set
 * it to (a `campaign_budget` or `ad_set_daily_budget` target), and the spend last read for it.
 */
export interface BudgetGauge {
  platform: PlatformId;
  account: string;
  /** A Google Ads budget or campaign id, a Meta ad set id. */
  objectId: string;
  limitMicros?: number;
  spentMicros?: number;
}

/** Failures that say the platform did not apply the call (it refused it). */
const REFUSED: ReadonlySet<PlatformError["kind"]> = new Set(["rejected", "rate_limited", "auth"]);

/** `PlatformError.code` of a bid refused because its account's queue is full. */
export const QUEUE_FULL = "queue_full";

interface Job {
  tenantId: string;
  bid: BidRequest;
  /** The tenant's client to the bid's platform, and the change the bid sends it. */
  client: AdPlatform;
  change: AmountChange;
  verdict: BidVerdict;
  resolve(outcome: BidOutcome): void;
  reject(err: unknown): void;
}

interface Lane {
  lane: PlatformLane;
  queue: BoundedQueue<Job>;
  drained: Promise<void>;
}

/**
 * SyncFlow's bidder: a bid is checked by the gate, queued on its tenant's lane for the platform
 * account (a bounded queue drained one at a time at the account's pace), sent with the tenant's
 * own credentials through the lane's breaker, timeout and retries, and, once the platform
 * accepted it, recorded as a `bid` record in the tenant's audit trail (`{decisionId, clientId, campaignId, platform, externalId,
 * spendMicros}`, the amount set; outcome billing sums these). A denied bid is never sent.
 */
export class Bidder {
  readonly #deps: BidderDeps;
  readonly #lanes = new Map<string, Lane>();
  /** A platform's pause for every account of one tenant (its credentials' rate limit). */
  readonly #pauses = new Map<string, PlatformPause>();
  /** A platform's pause for every tenant (a limit on the install's own app credentials). */
  readonly #appPauses = new Map<PlatformId, PlatformPause>();
  readonly #spend = new Map<PlatformId, number>();
  readonly #budgets = new Map<string, BudgetGauge>();
  #closed = false;

  constructor(deps: BidderDeps) {
    this.#deps = deps;
  }

  /**
   * Checks `bid` with the gate and, if allowed, sends it and records it.
   * @throws RangeError for a bad amount or one the platform cannot take (not whole minor units of
   *   the account's currency), MissingCredentialsError for a platform the tenant has no
   *   credentials for (all before the gate is asked); BidStoppedError when the gate stopped it
   *   while it waited (a kill switch); PlatformError when the platform refused or failed (nothing
   *   is recorded),
   *   or `queue_full` when the account's queue is full. Their `reservation` says whether the
   *   allowed amount was given back (the bid certainly never took effect) or is still counted.
   */
  async submit(tenantId: string, bid: BidRequest): Promise<BidOutcome> {
    assertMicros("amountMicros", bid.amountMicros);
    if (this.#closed) throw new Error("the bidder is closed");
    const client = await this.#client(tenantId, bid.platform);
    const change = { account: bid.account, target: bid.target, amountMicros: bid.amountMicros };
    // What the platform would refuse for its shape is refused before anything is reserved.
    await client.checkChange(change);
    const verdict = await this.#deps.gate.check(tenantId, bid);
    if (!verdict.allowed)
      return { status: "denied", decisionId: verdict.decisionId, reasons: verdict.reasons };
    const lane = this.#lane(tenantId, bid.platform, bid.account);
    return new Promise<BidOutcome>((resolve, reject) => {
      const job: Job = { tenantId, bid, client, change, verdict, resolve, reject };
      if (lane.queue.push(job)) return;
      const full = new PlatformError(
        bid.platform,
        "rate_limited",
        `account ${bid.account}: bid queue full`,
        { code: QUEUE_FULL },
      );
      this.#giveBack(job, full, "not_sent").then(reject, reject);
    });
  }

  /**
   * Reads an object's spend with the tenant's credentials, through its account's lane (a read:
   * retried when it fails).
   */
  async readSpend(
    tenantId: string,
    platform: PlatformId,
    query: SpendQuery,
  ): Promise<{ spendMicros: number }> {
    const client = await this.#client(tenantId, platform);
    const read = await this.#lane(tenantId, platform, query.account).lane.run(
      (signal) => client.readSpend(query, signal),
      { idempotent: true },
    );
    this.#budget(platform, query.account, query.objectId).spentMicros = read.spendMicros;
    return { spendMicros: read.spendMicros };
  }

  /** Each object's last known budget and spend (`syncflow_budget_limit_micros`, `…_spent_micros`). */
  budgets(): BudgetGauge[] {
    return [...this.#budgets.values()].map((b) => ({ ...b }));
  }

  /** Every lane's breaker state and counters (one per platform account used so far). */
  lanes(): LaneSnapshot[] {
    return [...this.#lanes.values()].map((l) => l.lane.snapshot());
  }

  /** Micros set by accepted bids per platform since start (`syncflow_spend_total`). */
  spendTotals(): Partial<Record<PlatformId, number>> {
    return Object.fromEntries(this.#spend);
  }

  /** Stops taking bids and waits for the queued ones to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const l of this.#lanes.values()) l.queue.close();
    await Promise.all([...this.#lanes.values()].map((l) => l.drained));
  }

  /**
   * Gives the job's reservation back through the gate, for a bid that never took effect, and
   * says so on `err` (`kept` when the release itself failed: the budget then still counts it).
   */
  async #giveBack<E extends PlatformError | BidStoppedError>(
    job: Job,
    err: E,
    reason: "not_sent" | "rejected",
  ): Promise<E> {
    try {
      await this.#deps.gate.release(job.tenantId, job.verdict, reason);
      err.reservation = "released";
    } catch {
      err.reservation = "kept";
    }
    return err;
  }

  #budget(platform: PlatformId, account: string, objectId: string): BudgetGauge {
    const key = `${platform}/${account}/${objectId}`;
    let b = this.#budgets.get(key);
    if (!b) {
      b = { platform, account, objectId };
      this.#budgets.set(key, b);
    }
    return b;
  }

  async #client(tenantId: string, platform: PlatformId): Promise<AdPlatform> {
    const client = await this.#deps.platforms.forTenant(tenantId, platform);
    if (!client) throw new MissingCredentialsError(platform);
    return client;
  }

  /**
   * The tenant's lane for a platform account: tenants never share a queue, a breaker or a pause of
   * their own, so one tenant's failing or throttled calls hold back none of another's; only a
   * limit on the install's own app credentials (Google's developer-token quota) pauses them all.
   */
  #lane(tenantId: string, platform: PlatformId, account: string): Lane {
    const key = `${tenantId}/${platform}/${account}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      const queue = new BoundedQueue<Job>(this.#deps.queueCapacity ?? 1_000);
      const pauseKey = `${tenantId}/${platform}`;
      let pause = this.#pauses.get(pauseKey);
      if (!pause) {
        pause = { until: 0 };
        this.#pauses.set(pauseKey, pause);
      }
      let appPause = this.#appPauses.get(platform);
      if (!appPause) {
        appPause = { until: 0 };
        this.#appPauses.set(platform, appPause);
      }
      const l = new PlatformLane(
        platform,
        account,
        this.#deps.clock,
        this.#deps.lanes?.[platform],
        pause,
        appPause,
      );
      lane = { lane: l, queue, drained: this.#drain(l, queue) };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  async #drain(lane: PlatformLane, queue: BoundedQueue<Job>): Promise<void> {
    for (;;) {
      await queue.wait();
      const job = queue.shift();
      if (!job) {
        if (queue.closed) return;
        continue;
      }
      try {
        job.resolve(await this.#send(lane, job));
      } catch (err) {
        job.reject(err);
      }
    }
  }

  async #send(lane: PlatformLane, job: Job): Promise<BidOutcome> {
    const { bid, client, change } = job;
    // The last look: a kill switch turned on while the bid waited stops it here.
    const stop = await this.#deps.gate.stopped(job.tenantId, bid);
    if (stop !== null) throw await this.#giveBack(job, new BidStoppedError(stop), "not_sent");
    // Attempts that may have reached the platform: a timeout or a failure other than a refusal.
    let inDoubt = 0;
    let accepted: Awaited<ReturnType<AdPlatform["setAmount"]>>;
    try {
      // Setting an absolute amount is idempotent: a retry after a timeout sets the same value.
      accepted = await lane.run(
        async (signal) => {
          inDoubt++;
          try {
            return await client.setAmount(change, signal);
          } catch (err) {
            if (err instanceof PlatformError && REFUSED.has(err.kind)) inDoubt--;
            throw err;
          }
        },
        { idempotent: true },
      );
    } catch (err) {
      if (!(err instanceof PlatformError)) throw err;
      if (inDoubt > 0) {
        err.reservation = "kept";
        throw err;
      }
      throw await this.#giveBack(job, err, err.kind === "rejected" ? "rejected" : "not_sent");
    }
    const record = await tenantDb(this.#deps.db, job.tenantId).transaction((tx) =>
      appendAuditRecord(tx, {
        kind: "bid",
        at: this.#deps.clock.now(),
        body: {
          decisionId: job.verdict.decisionId,
          clientId: bid.clientId,
          campaignId: bid.campaignId,
          platform: bid.platform,
          externalId: accepted.externalId,
          spendMicros: bid.amountMicros,
        },
      }),
    );
    this.#spend.set(bid.platform, (this.#spend.get(bid.platform) ?? 0) + bid.amountMicros);
    const t = bid.target;
    if (t.kind === "campaign_budget" || t.kind === "ad_set_daily_budget")
      this.#budget(
        bid.platform,
        bid.account,
        t.kind === "campaign_budget" ? t.budgetId : t.adSetId,
      ).limitMicros = bid.amountMicros;
    return {
      status: "sent",
      decisionId: job.verdict.decisionId,
      externalId: accepted.externalId,
      auditSeq: record.seq,
    };
  }
}
