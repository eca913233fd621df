import type { Queryable } from "@kamiyo/db";
import { billingPeriod } from "./billing-period.ts";
import { type Plan, type PlanId, PRODUCT_IDS, type ProductId, planById } from "./catalog/index.ts";

export type SubscriptionStatus = "trialing" | "active" | "past_due" | "suspended" | "canceled";

export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = [
  "trialing",
  "active",
  "past_due",
  "suspended",
  "canceled",
];

/** A tenant's subscription to one product. */
export interface Subscription {
  tenantId: string;
  product: ProductId;
  plan: Plan;
  status: SubscriptionStatus;
  trialEndsAt: number | null;
  /** Billing periods run monthly from here (`billingPeriod`). */
  anchorAt: number;
  cancelAtPeriodEnd: boolean;
  createdAt: number;
  updatedAt: number;
}

interface SubscriptionRow {
  tenant_id: string;
  product: ProductId;
  plan_id: string;
  status: SubscriptionStatus;
  trial_ends_at: Date | null;
  anchor_at: Date;
  cancel_at_period_end: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  "tenant_id, product, plan_id, status, trial_ends_at, anchor_at, cancel_at_period_end, created_at, updated_at";

const toSubscription = (r: SubscriptionRow): Subscription => ({
  tenantId: r.tenant_id,
  product: r.product,
  plan: planById(r.plan_id),
  status: r.status,
  trialEndsAt: r.trial_ends_at?.getTime() ?? null,
  anchorAt: r.anchor_at.getTime(),
  cancelAtPeriodEnd: r.cancel_at_period_end,
  createdAt: r.created_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

/** A tenant's subscriptions, in product order (`PRODUCT_IDS`). */
export async function subscriptionsOf(q: Queryable, tenantId: string): Promise<Subscription[]> {
  const rows = await q.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM subscriptions WHERE tenant_id = $1
     ORDER BY array_position($2::text[], product)`,
    [tenantId, PRODUCT_IDS],
  );
  return rows.map(toSubscription);
}

/**
 * Subscribes a tenant to a plan: its product's subscription is created, or moved to this plan
 * (status and trial as given; a new subscription is anchored now). On the platform's connection.
 * @throws AppError("invalid_input") for a plan the catalog does not have.
 */
export async function subscribe(
  tx: Queryable,
  input: {
    tenantId: string;
    planId: string;
    nowMs: number;
    status?: SubscriptionStatus;
    trialEndsAt?: number | null;
  },
): Promise<Subscription> {
  const plan = planById(input.planId);
  const now = new Date(input.nowMs);
  const [row] = await tx.query<SubscriptionRow>(
    `INSERT INTO subscriptions (tenant_id, product, plan_id, status, trial_ends_at, anchor_at,
                                created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $6)
     ON CONFLICT (tenant_id, product) DO UPDATE
       SET plan_id = EXCLUDED.plan_id, status = EXCLUDED.status,
           trial_ends_at = EXCLUDED.trial_ends_at, updated_at = EXCLUDED.updated_at
     RETURNING ${COLUMNS}`,
    [
      input.tenantId,
      plan.product,
      plan.id,
      input.status ?? "active",
      input.trialEndsAt == null ? null : new Date(input.trialEndsAt),
      now,
    ],
  );
  return toSubscription(row as SubscriptionRow);
}

/** A subscription as the API shows it, with its current billing period. */
export function subscriptionJson(s: Subscription, nowMs: number) {
  const period = billingPeriod(s.anchorAt, nowMs);
  return {
    product: s.product,
    // The plan came from the catalog (planById), so its id is one of the catalog's.
    plan: s.plan.id as PlanId,
    status: s.status,
    trialEndsAt: s.trialEndsAt === null ? null : new Date(s.trialEndsAt).toISOString(),
    currentPeriodStart: new Date(period.start).toISOString(),
    currentPeriodEnd: new Date(period.end).toISOString(),
    cancelAtPeriodEnd: s.cancelAtPeriodEnd,
  };
}

/** True while one of the tenant's subscriptions is suspended for failed payments (alerts stop). */
export async function suspendedForPayment(q: Queryable, tenantId: string): Promise<boolean> {
  const rows = await q.query(
    "SELECT 1 FROM subscriptions WHERE tenant_id = $1 AND status = 'suspended' LIMIT 1",
    [tenantId],
  );
  return rows.length > 0;
}
