/** The products Kamiyo sells; a tenant subscribes to each on its own. */
export type ProductId = "platform" | "intel" | "rca" | "shield";

export type SupportTier = "community" | "email" | "priority" | "dedicated";

/** What a plan allows, per tenant. `null` is no limit from this plan. */
export interface Limits {
  /** API calls a UTC day. */
  apiCallsPerDay: number | null;
  /** API requests a minute. */
  requestsPerMinute: number | null;
  /** Alerts sent a UTC day (the alert router's daily cap). */
  alertsPerDay: number | null;
  /** Webhook endpoints. */
  webhooks: number | null;
  /** Days of history kept. */
  historyDays: number | null;
  /** Events ingested a UTC day (RCA). */
  eventsPerDay: number | null;
  /** RCA queries a billing period. */
  rcaQueriesPerPeriod: number | null;
  /** Bytes stored (RCA). */
  storageBytes: number | null;
  /** Protocols monitored. */
  protocols: number | null;
}

/** What a plan includes beyond its limits. */
export interface Features {
  /** The Isolation Forest + One-Class SVM + Random Forest ensemble. */
  mlEnsemble: boolean;
  /** The cross-protocol correlator. */
  crossProtocolCorrelation: boolean;
  socialSentiment: boolean;
  customBranding: boolean;
  whiteLabel: boolean;
  sso: boolean;
  rbac: boolean;
  auditLogExport: boolean;
  /** A 99.9 % SLA. */
  sla: boolean;
}

export type FeatureId = keyof Features;

/** The meters usage is counted on. */
export type MeterId =
  | "api_calls"
  | "alerts_sent"
  | "webhook_deliveries"
  | "events_ingested"
  | "rca_queries"
  | "storage_bytes"
  | "policy_checks";

/** A price for usage past the plan's quota: `cents` for every `per` units of `meter`. */
export interface Overage {
  meter: MeterId;
  per: number;
  cents: number;
}

/** One plan of one product. Money is integer cents; a null price is "talk to us". */
export interface Plan {
  id: string;
  product: ProductId;
  label: string;
  /** The monthly fee, cents; 0 for free plans, null when priced per contract. */
  monthlyCents: number | null;
  limits: Limits;
  features: Features;
  support: SupportTier;
  overage: readonly Overage[];
  /** Outcome-based pricing: the share of the additional revenue billed, in basis points. */
  outcomeShareBps: number | null;
}

export const NO_FEATURES: Features = {
  mlEnsemble: false,
  crossProtocolCorrelation: false,
  socialSentiment: false,
  customBranding: false,
  whiteLabel: false,
  sso: false,
  rbac: false,
  auditLogExport: false,
  sla: false,
};

export const NO_LIMITS: Limits = {
  apiCallsPerDay: null,
  requestsPerMinute: null,
  alertsPerDay: null,
  webhooks: null,
  historyDays: null,
  eventsPerDay: null,
  rcaQueriesPerPeriod: null,
  storageBytes: null,
  protocols: null,
};

export const GB = 1_000_000_000;
