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
    limits: NO_LIMITS,
    features: NO_FEATURES,
    support: "priority",
    overage: [],
    outcomeShareBps: 1_500,
  },
] as const satisfies readonly Plan[];
