import { AppError } from "@kamiyo/core";
import { INTEL_PLANS } from "./intel.ts";
import type { FeatureId, Plan, ProductId } from "./plan.ts";
import { PLATFORM_PLANS } from "./platform.ts";
import { RCA_PLANS } from "./rca.ts";
import { SHIELD_PLANS } from "./shield.ts";

export * from "./plan.ts";

/**
 * The catalog: every plan of every product, as typed data. Prices on the landing page, the plans
 * synced to the payment provider and every limit enforced come from here; nothing else states a
 * price or a limit.
 */
export const CATALOG = [...PLATFORM_PLANS, ...INTEL_PLANS, ...RCA_PLANS, ...SHIELD_PLANS] as const;

export type PlanId = (typeof CATALOG)[number]["id"];

/** The platform's editions: what `DEPLOYMENT_MODE` picks for a single-tenant install. */
export type EditionId = (typeof PLATFORM_PLANS)[number]["id"];

export const PLAN_IDS: readonly PlanId[] = CATALOG.map((p) => p.id);
export const EDITION_IDS: readonly EditionId[] = PLATFORM_PLANS.map((p) => p.id);

export const PRODUCTS: readonly { id: ProductId; label: string }[] = [
  { id: "platform", label: "Kamiyo platform (the Hyperliquid monitor)" },
  { id: "intel", label: "Exploit intelligence" },
  { id: "rca", label: "Kubernetes root-cause analysis" },
  { id: "shield", label: "Shield: ad-spend governance" },
];

/** The products in the order lists show them. */
export const PRODUCT_IDS: readonly ProductId[] = PRODUCTS.map((p) => p.id);

const BY_ID = new Map<string, Plan>(CATALOG.map((p) => [p.id, p]));

/** The plan with this id. @throws AppError("invalid_input") naming the known ids. */
export function planById(id: string): Plan {
  const plan = BY_ID.get(id);
  if (!plan)
    throw new AppError("invalid_input", `unknown plan "${id}"; one of ${PLAN_IDS.join(", ")}`);
  return plan;
}

/** True when `id` is a plan of the catalog. */
export function isPlanId(id: string): id is PlanId {
  return BY_ID.has(id);
}

/** A product's plans, cheapest first as listed. */
export function plansOf(product: ProductId): readonly Plan[] {
  return CATALOG.filter((p) => p.product === product);
}

/** True when the plan includes the feature. Code asks this, never compares plan ids. */
export function planAllows(plan: string, feature: FeatureId): boolean {
  return planById(plan).features[feature];
}

export {
  meterAmount,
  monthlyPrice,
  type PlanRow,
  planRows,
  plansReference,
  price,
} from "./plans-table.ts";
