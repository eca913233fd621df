import type { FeatureId, Limits, Plan, ProductId } from "./catalog/index.ts";
import type { Subscription, SubscriptionStatus } from "./subscriptions.ts";

/** Statuses whose plan is in force (a payment that failed keeps it while it is retried). */
const IN_FORCE: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due"]);

/** What a tenant may use now, resolved from its subscriptions. */
export interface Entitlements {
  /** The plan in force for a product, or null when the tenant has none (or it ended). */
  plan(product: ProductId): Plan | null;
  /** True when a plan in force includes the feature. */
  allows(feature: FeatureId): boolean;
  /**
   * A product's limit: its plan's value (null: the plan sets none), or 0 when the tenant has no
   * plan of that product in force.
   */
  limit(product: ProductId, key: keyof Limits): number | null;
  /**
   * The most generous limit any plan in force sets for `key`, with that plan; null when none of
   * them sets one (the install's own cap then applies). For resources every product shares, such
   * as webhook endpoints.
   */
  most(key: keyof Limits): { limit: number; plan: Plan } | null;
  /**
   * The plan that governs calls to a product's API: the tenant's plan of that product, else its
   * platform edition (an install's edition covers every module it serves, as the open-source
   * monitor includes the exploit feed); null when neither is in force.
   */
  governing(product: ProductId): Plan | null;
  /** The tenant's subscription to a product, whatever its status; null when it has none. */
  subscription(product: ProductId): Subscription | null;
}

/** The entitlements of a tenant with these subscriptions. */
export function entitlementsOf(subscriptions: readonly Subscription[]): Entitlements {
  const plans = new Map<ProductId, Plan>();
  for (const s of subscriptions) if (IN_FORCE.has(s.status)) plans.set(s.product, s.plan);
  const byProduct = new Map(subscriptions.map((s) => [s.product, s] as const));
  return {
    plan: (product) => plans.get(product) ?? null,
    allows: (feature) => [...plans.values()].some((p) => p.features[feature]),
    limit: (product, key) => {
      const plan = plans.get(product);
      return plan ? plan.limits[key] : 0;
    },
    most: (key) => {
      let best: { limit: number; plan: Plan } | null = null;
      for (const plan of plans.values()) {
        const limit = plan.limits[key];
        if (limit !== null && (best === null || limit > best.limit)) best = { limit, plan };
      }
      return best;
    },
    governing: (product) => plans.get(product) ?? plans.get("platform") ?? null,
    subscription: (product) => byProduct.get(product) ?? null,
  };
}
