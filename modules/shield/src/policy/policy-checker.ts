import { createHash, randomBytes } from "node:crypto";
import { AppError } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { canonicalJson } from "../audit/canonical-json.ts";
import { TenantModels } from "../grpc/tenant-models.ts";
import { checkCustomer, PredictionInputError } from "../ltv/ltv-predictor.ts";
import { killSwitchStopping } from "./accounts-store.ts";
import { type CheckInput, parseCheckInput, parseInput } from "./check-input.ts";
import { CHECK_ID_TTL_MS, commitChecks, type ResolvedCheck } from "./commit-checks.ts";
import type { Decision } from "./decision.ts";
import { MAX_MICROS } from "./policy-document.ts";
import { PolicyCache } from "./policy-store.ts";
import { type Release, releaseInput, releaseReservation } from "./release.ts";

export interface PolicyCheckerOptions {
  db: Db;
  /** The clock, epoch ms (default Date.now). */
  now?: () => number;
  /** Each tenant's active LTV model, for checks that give a customer summary (default: one of its own). */
  models?: TenantModels;
  /** The most checks one transaction commits (default 2,000). */
  maxBatch?: number;
}

interface Pending {
  check: ResolvedCheck;
  resolve(d: Decision): void;
  reject(e: unknown): void;
}

interface Queue {
  pending: Pending[];
  /** The tenant's transactions open (at most `IN_FLIGHT`). */
  open: number;
}

/**
 * Transactions of a tenant open at once on PostgreSQL: while one decides and commits, the next has
 * begun and waits for the tenant's lock, then takes the checks waiting (its round trips to begin
 * are hidden behind the other's work, and the order of decisions stays the order of arrival:
 * checks are taken under the lock). The embedded PGlite runs one transaction at a time in this
 * process: a second open one would only wait, ahead of every other caller of the database.
 */
const IN_FLIGHT = { postgres: 2, pglite: 1 } as const;

/** How often a tenant's expired check ids are deleted. */
const FORGET_EVERY_MS = 3_600_000;

/**
 * The policy check with group commit: the checks of a tenant that arrive while its previous
 * batch commits wait, then are decided in arrival order and committed together in one
 * transaction ({@link commitChecks}: their spend reservations and audit records), each caller
 * answered after that commit. One batch of a tenant decides at a time (the tenant's audit-chain
 * lock, across processes too), the next transaction already open and waiting for it; tenants do
 * not wait for each other. Hold one per process: it is what makes the batches.
 */
export class PolicyChecker {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #models: TenantModels;
  readonly #maxBatch: number;
  readonly #inFlight: number;
  readonly #policies = new PolicyCache();
  readonly #queues = new Map<string, Queue>();
  /** When each tenant's expired check ids were last deleted (epoch ms). */
  readonly #forgotAt = new Map<string, number>();
  /** Transactions committed (or failed) and the checks in them, since it was made. */
  readonly stats = { batches: 0, checks: 0 };
  /** A random prefix per process and a counter: decision ids without a random draw each. */
  readonly #idPrefix = randomBytes(6).toString("hex");
  #idCounter = 0;

  constructor(opts: PolicyCheckerOptions) {
    this.#db = opts.db;
    this.#now = opts.now ?? Date.now;
    this.#models = opts.models ?? new TenantModels(opts.db, this.#now);
    this.#maxBatch = opts.maxBatch ?? 2_000;
    this.#inFlight = IN_FLIGHT[opts.db.kind];
  }

  /**
   * Checks one bid of the tenant: validates it, predicts the customer's LTV when a summary is
   * given, and resolves with the decision once it is committed with its audit record (an
   * allowed bid's amount reserved against its campaign's period spend).
   * @throws AppError `invalid_input` naming the field; `not_found` for a campaign the tenant
   *   does not have under that client; `conflict` without an active policy, or with a customer
   *   summary but no active LTV model with spend; the transaction's error when the batch could
   *   not commit (nothing of it was then recorded or reserved).
   */
  async check(tenantId: string, input: CheckInput): Promise<Decision> {
    const bid = parseCheckInput(input);
    const ltv = bid.customer
      ? await this.#predict(tenantId, bid.customer)
      : { micros: bid.predictedLtvMicros ?? null, version: null };
    const atMs = this.#now();
    const check: ResolvedCheck = {
      decisionId: this.#newId(atMs),
      atMs,
      clientId: bid.clientId,
      campaignId: bid.campaignId,
      bidMicros: bid.bidMicros,
      predictedLtvMicros: ltv.micros,
      ltvModelVersion: ltv.version,
    };
    if (bid.checkId !== undefined) {
      const { checkId, ...request } = bid;
      check.retry = {
        checkId,
        requestSha256: createHash("sha256").update(canonicalJson(request)).digest("hex"),
      };
    }
    return new Promise<Decision>((resolve, reject) => {
      let queue = this.#queues.get(tenantId);
      if (!queue) {
        queue = { pending: [], open: 0 };
        this.#queues.set(tenantId, queue);
      }
      queue.pending.push({ check, resolve, reject });
      if (queue.open < this.#inFlight) this.#open(tenantId, queue);
    });
  }

  /**
   * Gives back what an allowed decision of the tenant reserved ({@link releaseReservation}, at
   * this checker's clock): the bid was not sent, lost, or cost less.
   * @throws as {@link releaseReservation}, and AppError `invalid_input` naming a bad field.
   */
  async release(
    tenantId: string,
    input: unknown,
  ): Promise<{ release: Release; replayed: boolean }> {
    return releaseReservation(this.#db, tenantId, parseInput(releaseInput, input), this.#now());
  }

  /**
   * Why an allowed bid of the client's campaign must not go out now (a kill switch turned on
   * since it was decided), or null.
   */
  stopped(tenantId: string, clientId: string, campaignId: string): Promise<string | null> {
    return killSwitchStopping(this.#db, tenantId, clientId, campaignId);
  }

  /** Opens a transaction of the tenant that takes the checks waiting once it holds the lock. */
  #open(tenantId: string, queue: Queue): void {
    queue.open++;
    let batch: Pending[] = [];
    const take = () => {
      batch = queue.pending.splice(0, this.#maxBatch);
      if (batch.length > 0) {
        this.stats.batches++;
        this.stats.checks += batch.length;
      }
      return batch.map((p) => p.check);
    };
    commitChecks(this.#db, tenantId, take, this.#policies, this.#forgetting(tenantId))
      .then(
        (results) => {
          for (const [i, p] of batch.entries()) {
            const r = results[i] as Decision | AppError;
            if (r instanceof AppError) p.reject(r);
            else p.resolve(r);
          }
        },
        (err) => {
          // Failed before it took any (the database unreachable): fail those waiting rather
          // than open transaction after transaction.
          const failed = batch.length > 0 ? batch : queue.pending.splice(0);
          for (const p of failed) p.reject(err);
        },
      )
      .finally(() => {
        queue.open--;
        if (queue.pending.length > 0) {
          if (queue.open < this.#inFlight) this.#open(tenantId, queue);
        } else if (queue.open === 0) this.#queues.delete(tenantId);
      });
  }

  /** Once an hour per tenant, a batch also deletes the check ids past their 24 hours. */
  #forgetting(tenantId: string): { forgetCheckIdsBefore?: number } {
    const now = this.#now();
    if (now - (this.#forgotAt.get(tenantId) ?? 0) < FORGET_EVERY_MS) return {};
    this.#forgotAt.set(tenantId, now);
    return { forgetCheckIdsBefore: now - CHECK_ID_TTL_MS };
  }

  async #predict(
    tenantId: string,
    customer: NonNullable<CheckInput["customer"]>,
  ): Promise<{ micros: number; version: number }> {
    const model = await this.#models.get(tenantId);
    if (!model?.withSpend)
      throw new AppError(
        "conflict",
        model
          ? `the active LTV model (version ${model.version}) has no spend part: give predictedLtvMicros, or fit one on amounts`
          : "no active LTV model for this tenant: give predictedLtvMicros, or fit one with `kamiyo shield ltv fit --tenant ID --save --activate`",
      );
    try {
      checkCustomer(customer, true);
    } catch (err) {
      if (err instanceof PredictionInputError)
        throw new AppError("invalid_input", `customer.${err.message}`);
      throw err;
    }
    const ltv = model.predict(customer).ltv as number;
    // A prediction in currency units, made an amount: whole micros, never below 0.
    const micros = Math.min(Math.max(Math.round(ltv * 1_000_000), 0), MAX_MICROS);
    return { micros: Number.isFinite(micros) ? micros : 0, version: model.version };
  }

  #newId(atMs: number): string {
    this.#idCounter = (this.#idCounter + 1) % 0x1000000;
    return `dec_${atMs.toString(36).padStart(9, "0")}${this.#idPrefix}${this.#idCounter.toString(16).padStart(6, "0")}`;
  }
}

/**
 * Checks one bid in a transaction of its own ({@link PolicyChecker} without batching): for a
 * caller that checks now and then. A bidder checking many bids holds a {@link PolicyChecker}.
 * @throws as {@link PolicyChecker.check}.
 */
export function checkBid(
  db: Db,
  tenantId: string,
  input: CheckInput,
  opts: { now?: () => number } = {},
): Promise<Decision> {
  return new PolicyChecker({ db, now: opts.now }).check(tenantId, input);
}
