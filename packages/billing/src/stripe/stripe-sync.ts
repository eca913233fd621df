import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type Stripe from "stripe";
import { isPlanId, planById } from "../catalog/index.ts";
import type { SubscriptionStatus } from "../subscriptions.ts";

/** Failed payments of one invoice after which the tenant's paid subscriptions are suspended. */
export const SUSPEND_AFTER_FAILURES = 3;

/** Stripe's subscription statuses as ours (our own `suspended` comes from failed payments). */
const STATUS: Record<Stripe.Subscription.Status, SubscriptionStatus> = {
  trialing: "trialing",
  active: "active",
  past_due: "past_due",
  incomplete: "past_due",
  unpaid: "suspended",
  paused: "suspended",
  canceled: "canceled",
  incomplete_expired: "canceled",
};

/** The tenant whose Stripe customer this is, or null. */
export async function tenantOfCustomer(q: Queryable, customerId: string): Promise<string | null> {
  const [row] = await q.query<{ tenant_id: string }>(
    "SELECT tenant_id FROM billing_customers WHERE stripe_customer_id = $1",
    [customerId],
  );
  return row?.tenant_id ?? null;
}

/** The tenant's Stripe customer id, or null before it has one. */
export async function customerOfTenant(q: Queryable, tenantId: string): Promise<string | null> {
  const [row] = await q.query<{ stripe_customer_id: string }>(
    "SELECT stripe_customer_id FROM billing_customers WHERE tenant_id = $1",
    [tenantId],
  );
  return row?.stripe_customer_id ?? null;
}

/** The id of a Stripe reference, which is an id or, expanded, the object. */
export const idOf = (x: string | { id: string } | null | undefined): string | null =>
  typeof x === "string" ? x : (x?.id ?? null);

/**
 * Takes the lock of a Stripe subscription until the transaction ends. Whoever applies the
 * subscription (a webhook, a plan change) takes it before reading Stripe's copy and writing it,
 * so an older copy read before a change is never written after it.
 */
export async function lockSubscription(tx: Queryable, subscriptionId: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext('stripe_subscription/' || $1))", [
    subscriptionId,
  ]);
}

/**
 * Our subscription as Stripe's object says it is now (call with the newest object, retrieved,
 * not an event's copy): plan from the price's lookup key, status, trial end, billing anchor and
 * cancel-at-period-end. A subscription suspended for failed payments stays suspended until a
 * payment succeeds (`paymentSucceeded`), whatever Stripe's status.
 * @returns the tenant it belongs to, or null for a customer we do not know.
 */
export async function applySubscription(
  tx: Queryable,
  sub: Stripe.Subscription,
  nowMs: number,
): Promise<string | null> {
  const tenantId = await tenantOfCustomer(tx, idOf(sub.customer) as string);
  if (!tenantId) return null;
  // The price's lookup key is the plan; a price replaced since (the catalog's fee changed) has
  // lost its lookup key but keeps the plan in its metadata.
  const price = sub.items.data[0]?.price;
  const lookup = price?.lookup_key ?? price?.metadata?.plan ?? "";
  if (!isPlanId(lookup))
    throw new AppError("invalid_input", `subscription ${sub.id} has no price of the catalog`);
  const plan = planById(lookup);
  const status = STATUS[sub.status];
  await tx.query(
    `INSERT INTO subscriptions (tenant_id, product, plan_id, status, trial_ends_at, anchor_at,
                                cancel_at_period_end, created_at, updated_at, stripe_subscription_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
     ON CONFLICT (tenant_id, product) DO UPDATE
       SET plan_id = EXCLUDED.plan_id,
           status = CASE WHEN subscriptions.status = 'suspended'
                          AND subscriptions.failed_payments >= ${SUSPEND_AFTER_FAILURES}
                          AND EXCLUDED.status <> 'canceled'
                         THEN 'suspended' ELSE EXCLUDED.status END,
           trial_ends_at = EXCLUDED.trial_ends_at, anchor_at = EXCLUDED.anchor_at,
           cancel_at_period_end = EXCLUDED.cancel_at_period_end,
           stripe_subscription_id = EXCLUDED.stripe_subscription_id,
           updated_at = EXCLUDED.updated_at`,
    [
      tenantId,
      plan.product,
      plan.id,
      status,
      sub.trial_end ? new Date(sub.trial_end * 1000) : null,
      new Date(sub.billing_cycle_anchor * 1000),
      sub.cancel_at_period_end,
      new Date(nowMs),
      sub.id,
    ],
  );
  return tenantId;
}

/**
 * A payment of the tenant's invoice failed: its failures are the invoice's attempts so far; at
 * {@link SUSPEND_AFTER_FAILURES} every paid subscription of the tenant is suspended (its API
 * answers 402, alerts stop; data are kept).
 * @returns true when this suspended the tenant.
 */
export async function paymentFailed(
  tx: Queryable,
  tenantId: string,
  attempts: number,
  nowMs: number,
): Promise<boolean> {
  const rows = await tx.query<{ product: string; status: SubscriptionStatus }>(
    `UPDATE subscriptions
        SET failed_payments = greatest(failed_payments, $2),
            status = CASE WHEN greatest(failed_payments, $2) >= ${SUSPEND_AFTER_FAILURES}
                          THEN 'suspended' ELSE 'past_due' END,
            updated_at = $3
      WHERE tenant_id = $1 AND stripe_subscription_id IS NOT NULL AND status <> 'canceled'
        AND status <> 'suspended'
      RETURNING product, status`,
    [tenantId, attempts, new Date(nowMs)],
  );
  return rows.some((r) => r.status === "suspended");
}

/**
 * The tenant paid: failures are forgotten, and subscriptions suspended for them are reinstated
 * (active; the next subscription event sets Stripe's exact status).
 */
export async function paymentSucceeded(
  tx: Queryable,
  tenantId: string,
  nowMs: number,
): Promise<void> {
  await tx.query(
    `UPDATE subscriptions
        SET failed_payments = 0,
            status = CASE WHEN status IN ('suspended', 'past_due') THEN 'active' ELSE status END,
            updated_at = $2
      WHERE tenant_id = $1 AND stripe_subscription_id IS NOT NULL AND status <> 'canceled'`,
    [tenantId, new Date(nowMs)],
  );
}
