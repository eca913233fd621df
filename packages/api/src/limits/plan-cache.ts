import { type Entitlements, entitlementsOf, subscriptionsOf } from "@kamiyo/billing";
import type { Db } from "@kamiyo/db";

/** How long a tenant's entitlements are trusted before its subscriptions are read again. */
const TTL_MS = 5_000;
const MAX_CACHED = 10_000;

/**
 * Each tenant's entitlements (`entitlementsOf` its subscriptions), read once per 5 s at most: a
 * change of plan made elsewhere (another replica, the billing webhook) shows within that; one
 * made by this process is seen at once (`forget`).
 */
export class PlanCache {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #cached = new Map<string, { value: Entitlements; at: number }>();

  constructor(deps: { db: Db; now: () => number }) {
    this.#db = deps.db;
    this.#now = deps.now;
  }

  /** The tenant's entitlements if read within the last 5 s (no await on the hot path), else null. */
  cached(tenantId: string): Entitlements | null {
    const hit = this.#cached.get(tenantId);
    return hit && this.#now() - hit.at < TTL_MS ? hit.value : null;
  }

  async of(tenantId: string): Promise<Entitlements> {
    const now = this.#now();
    const hit = this.cached(tenantId);
    if (hit) return hit;
    const value = entitlementsOf(await subscriptionsOf(this.#db, tenantId));
    if (this.#cached.size >= MAX_CACHED) this.#cached.clear();
    this.#cached.set(tenantId, { value, at: now });
    return value;
  }

  /** Drops what is cached of a tenant (all tenants without an id) after its subscriptions changed. */
  forget(tenantId?: string): void {
    if (tenantId === undefined) this.#cached.clear();
    else this.#cached.delete(tenantId);
  }
}
