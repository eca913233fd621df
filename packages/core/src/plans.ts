/**
 * The editions and plans of PRODUCT.md §2 as data: a single-tenant install picks one with
 * DEPLOYMENT_MODE; on the hosted platform every tenant has one. Code asks `planAllows`, never
 * compares plan names.
 */
export const PLANS = {
  open_source: {
    label: "Open source",
    mlEnsemble: false,
    crossProtocolCorrelation: false,
    protocols: 1,
  },
  cloud_basic: {
    label: "Cloud Basic",
    mlEnsemble: false,
    crossProtocolCorrelation: false,
    protocols: 5,
  },
  cloud_pro: {
    label: "Cloud Pro",
    mlEnsemble: true,
    crossProtocolCorrelation: true,
    protocols: 20,
  },
  cloud_enterprise: {
    label: "Cloud Enterprise",
    mlEnsemble: true,
    crossProtocolCorrelation: true,
    protocols: null,
  },
} as const satisfies Record<string, PlanFeatures>;

export interface PlanFeatures {
  label: string;
  /** Advanced ML: the Isolation Forest + One-Class SVM + Random Forest ensemble. */
  mlEnsemble: boolean;
  /** The cross-protocol correlator. */
  crossProtocolCorrelation: boolean;
  /** Protocols monitored; null is unlimited. */
  protocols: number | null;
}

export type PlanId = keyof typeof PLANS;

export const PLAN_IDS = Object.keys(PLANS) as PlanId[];

export type PlanFeature = "mlEnsemble" | "crossProtocolCorrelation";

/** True when the plan includes the feature. */
export function planAllows(plan: PlanId, feature: PlanFeature): boolean {
  return PLANS[plan][feature];
}
