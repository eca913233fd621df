import { GB, NO_FEATURES, NO_LIMITS, type Plan } from "./plan.ts";

/**
 * Kubernetes root-cause analysis (PRODUCT.md §2, seed `kg-rca-saas-migration.md`): events a day,
 * RCA queries a period, storage, API calls a day and requests a minute, with overage on Basic and
 * Pro (events per 1k, queries each, storage per GB). Enterprise is priced per contract.
 */
export const RCA_PLANS = [
  {
    id: "rca_free",
    product: "rca",
    label: "Free",
    monthlyCents: 0,
    limits: {
      ...NO_LIMITS,
      eventsPerDay: 10_000,
      rcaQueriesPerPeriod: 100,
      storageBytes: 1 * GB,
      apiCallsPerDay: 10_000,
      requestsPerMinute: 100,
    },
    features: NO_FEATURES,
    support: "community",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "rca_basic",
    product: "rca",
    label: "Basic",
    monthlyCents: 9_900,
    limits: {
      ...NO_LIMITS,
      eventsPerDay: 100_000,
      rcaQueriesPerPeriod: 1_000,
      storageBytes: 10 * GB,
      apiCallsPerDay: 100_000,
      requestsPerMinute: 1_000,
    },
    features: NO_FEATURES,
    support: "email",
    overage: [
      { meter: "events_ingested", per: 1_000, cents: 10 },
      { meter: "rca_queries", per: 1, cents: 50 },
      { meter: "storage_bytes", per: GB, cents: 200 },
    ],
    outcomeShareBps: null,
  },
  {
    id: "rca_pro",
    product: "rca",
    label: "Pro",
    monthlyCents: 49_900,
    limits: {
      ...NO_LIMITS,
      eventsPerDay: 1_000_000,
      rcaQueriesPerPeriod: 10_000,
      storageBytes: 100 * GB,
      apiCallsPerDay: 1_000_000,
      requestsPerMinute: 10_000,
    },
    features: NO_FEATURES,
    support: "priority",
    overage: [
      { meter: "events_ingested", per: 1_000, cents: 5 },
      { meter: "rca_queries", per: 1, cents: 25 },
      { meter: "storage_bytes", per: GB, cents: 100 },
    ],
    outcomeShareBps: null,
  },
  {
    id: "rca_enterprise",
    product: "rca",
    label: "Enterprise",
    monthlyCents: null,
    limits: { ...NO_LIMITS, requestsPerMinute: 100_000 },
    features: { ...NO_FEATURES, sso: true, rbac: true, auditLogExport: true, sla: true },
    support: "dedicated",
    overage: [],
    outcomeShareBps: null,
  },
] as const satisfies readonly Plan[];
