import { NO_FEATURES, NO_LIMITS, type Plan } from "./plan.ts";

/**
 * Exploit intelligence's plans (PRODUCT.md §2, seed `exploit-intel-readiness-report.md`): API
 * quota Free 100 and Pro 10k a day; webhook endpoints Team 5 and Enterprise 50. The seeds give no
 * quota for Team and Enterprise: none here.
 */
export const INTEL_PLANS = [
  {
    id: "intel_free",
    product: "intel",
    label: "Free",
    monthlyCents: 0,
    limits: { ...NO_LIMITS, apiCallsPerDay: 100, webhooks: 0 },
    features: NO_FEATURES,
    support: "community",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "intel_pro",
    product: "intel",
    label: "Pro",
    monthlyCents: 4_900,
    limits: { ...NO_LIMITS, apiCallsPerDay: 10_000, webhooks: 0 },
    features: NO_FEATURES,
    support: "email",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "intel_team",
    product: "intel",
    label: "Team",
    monthlyCents: 14_900,
    limits: { ...NO_LIMITS, webhooks: 5 },
    features: NO_FEATURES,
    support: "priority",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "intel_enterprise",
    product: "intel",
    label: "Enterprise",
    monthlyCents: 79_900,
    limits: { ...NO_LIMITS, webhooks: 50 },
    features: { ...NO_FEATURES, sso: true, auditLogExport: true },
    support: "dedicated",
    overage: [],
    outcomeShareBps: null,
  },
] as const satisfies readonly Plan[];
