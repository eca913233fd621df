import { NO_FEATURES, NO_LIMITS, type Plan } from "./plan.ts";

/**
 * Shield, outcome as a service (PRODUCT.md §7): no fee; a share of the additional revenue its
 * governed bidding produced, 15 % by default (a tenant's contract may set another).
 */
export const SHIELD_PLANS = [
  {
    id: "shield_oaas",
    product: "shield",
    label: "Outcome as a service",
    monthlyCents: 0,
    // A bidder checks every bid: 20,000 a second (issue 16's target), not the install's per-key
    // default meant for people and dashboards (6,000 a minute).
    limits: { ...NO_LIMITS, requestsPerMinute: 1_200_000 },
    features: NO_FEATURES,
    support: "priority",
    overage: [],
    outcomeShareBps: 1_500,
  },
] as const satisfies readonly Plan[];
