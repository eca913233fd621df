import { billingPeriod, type MeterId, meterAmount, type ProductId, QUOTAS } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { LimitStore } from "./limit-store.ts";
import type { PlanCache } from "./plan-cache.ts";

const DAY_MS = 86_400_000;

/** What a reservation took: the plan's limit, what is used with it, and when the window ends. */
export interface Reservation {
  limit: number;
  used: number;
  /** Seconds until the quota's window (the UTC day or the billing period) ends. */
  resetS: number;
  plan: string;
}

/**
 * Quotas on amounts (events a day, RCA queries a billing period): a route reserves what a request
 * would use before doing it, and the request is refused whole (nothing is reserved, nothing done)
 * when it would pass the limit of the tenant's plan of that product. The counters are the
 * limiter's (Redis shared by replicas, or memory); a counter new in its window starts from the
 * usage already metered in that window (`usage_events`), so a restart or a Redis flush does not
 * hand out the quota again. What the counter sees is the admission; the metered usage is what
 * the invoice counts.
 */
export class UsageQuota {
  readonly #db: Db;
  readonly #store: LimitStore;
  readonly #plans: PlanCache;
  readonly #now: () => number;
  readonly #enforced: boolean;

  constructor(deps: {
    db: Db;
    store: LimitStore;
    plans: PlanCache;
    now: () => number;
    /** API_PLAN_LIMITS: false lifts every plan's quota. */
    enforced: boolean;
  }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#plans = deps.plans;
    this.#now = deps.now;
    this.#enforced = deps.enforced;
  }

  /**
   * Reserves `amount` units of `meter` against the tenant's plan of `product`.
   * @returns the reservation, or null when no plan sets a quota on the meter (nothing counted).
   * @throws AppError("quota_exceeded") naming the limit, the plan and when it resets (with
   *   `details.retryAfterS`), when the amount does not fit in what is left.
   */
  async reserve(
    tenantId: string,
    product: ProductId,
    meter: MeterId,
    amount: number,
  ): Promise<Reservation | null> {
    const quota = QUOTAS[meter];
    if (!this.#enforced || !quota || amount <= 0) return null;
    const entitled = this.#plans.cached(tenantId) ?? (await this.#plans.of(tenantId));
    const plan = entitled.plan(product);
    const limit = plan?.limits[quota.key] ?? null;
    if (!plan || limit === null) return null;
    const now = this.#now();
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const window =
      quota.per === "day"
        ? { start: dayStart, end: dayStart + DAY_MS }
        : billingPeriod(entitled.subscription(product)?.anchorAt ?? now, now);
    const key = `usage:${tenantId}:${product}:${meter}:${window.start}`;
    const ttl = window.end - now;
    let taken = await this.#store.take(key, ttl, amount);
    if (taken.current === amount) {
      // New in its window here: start from what is already metered.
      const metered = await this.#metered(tenantId, product, meter, window);
      if (metered > 0) taken = await this.#store.take(key, ttl, metered);
    }
    const resetS = Math.max(1, Math.ceil(ttl / 1000));
    if (taken.current > limit) {
      await this.#store.take(key, ttl, -amount);
      const left = Math.max(0, limit - (taken.current - amount));
      const when = quota.per === "day" ? "at 00:00 UTC" : "when the billing period ends";
      throw new AppError(
        "quota_exceeded",
        `${meterAmount(meter, amount)} more would pass the ${plan.id} plan's quota of ${limit} ${quota.per === "day" ? "a day" : "a billing period"} (${left} left); it resets ${when}, in ${resetS} s (a higher plan raises it)`,
        { details: { retryAfterS: resetS, limit, left } },
      );
    }
    return { limit, used: taken.current, resetS, plan: plan.id };
  }

  async #metered(
    tenantId: string,
    product: ProductId,
    meter: MeterId,
    window: { start: number; end: number },
  ): Promise<number> {
    const rows = await this.#db.query<{ n: string }>(
      `SELECT coalesce(sum(value), 0)::text AS n FROM usage_events
       WHERE tenant_id = $1 AND product = $2 AND meter = $3 AND event_at >= $4 AND event_at < $5`,
      [tenantId, product, meter, new Date(window.start), new Date(window.end)],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
