import { NO_FEATURES, NO_LIMITS, type Plan } from "./plan.ts";

/**
 * The platform's editions (PRODUCT.md §2): the Hyperliquid monitor and the platform around it.
 * `DEPLOYMENT_MODE` picks one for a single-tenant install. Request rates and webhook counts are
 * not in the matrix: null here, so the API's own settings apply.
 */
export const PLATFORM_PLANS = [
  {
    id: "open_source",
    product: "platform",
    label: "Open source",
    monthlyCents: 0,
    limits: {
      ...NO_LIMITS,
      apiCallsPerDay: 100_000,
      alertsPerDay: 1_000,
      historyDays: 90,
      protocols: 1,
    },
    features: NO_FEATURES,
    support: "community",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "cloud_basic",
    product: "platform",
    label: "Cloud Basic",
    monthlyCents: 9_900,
    limits: {
      ...NO_LIMITS,
      apiCallsPerDay: 10_000,
      alertsPerDay: 100,
      historyDays: 30,
      protocols: 5,
    },
    features: NO_FEATURES,
    support: "email",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "cloud_pro",
    product: "platform",
    label: "Cloud Pro",
    monthlyCents: 29_900,
    limits: {
      ...NO_LIMITS,
      apiCallsPerDay: 100_000,
      alertsPerDay: 500,
      historyDays: 180,
      protocols: 20,
    },
    features: {
      ...NO_FEATURES,
      mlEnsemble: true,
      crossProtocolCorrelation: true,
      socialSentiment: true,
      customBranding: true,
    },
    support: "priority",
    overage: [],
    outcomeShareBps: null,
  },
  {
    id: "cloud_enterprise",
    product: "platform",
    label: "Cloud Enterprise",
    monthlyCents: 249_900,
    limits: {
      ...NO_LIMITS,
      // "Unlimited (1M soft)": no hard quota; usage past 1M a day is a conversation, not a 429.
      apiCallsPerDay: null,
      alertsPerDay: 10_000,
      historyDays: 365,
      protocols: null,
    },
    features: {
      mlEnsemble: true,
      crossProtocolCorrelation: true,
      socialSentiment: true,
      customBranding: true,
      whiteLabel: true,
      sso: true,
      rbac: true,
      auditLogExport: true,
      sla: true,
    },
    support: "dedicated",
    overage: [],
    outcomeShareBps: null,
  },
] as const satisfies readonly Plan[];
