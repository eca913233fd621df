import { AppError, type Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type Stripe from "stripe";
import { type Plan, type ProductId, planById } from "../catalog/index.ts";
import type { UsageEvent } from "../usage.ts";
import { stripeMeterEvent } from "./catalog-sync.ts";
import type { StripeConfig } from "./stripe-config.ts";
import { applySubscription, customerOfTenant, lockSubscription } from "./stripe-sync.ts";

/**
 * A tenant's billing through Stripe: its customer, checkout for a new paid plan (with the trial),
 * plan changes with proration, cancellation now or at period end, the customer portal, and usage
 * reported as meter events. Our subscriptions follow Stripe's objects (`applySubscription`), here
 * from each call's answer and in the webhook from every event.
 */
export class StripeBilling {
  readonly stripe: Stripe;
  readonly #db: Db;
  readonly #config: StripeConfig;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(deps: {
    db: Db;
    stripe: Stripe;
    config: StripeConfig;
    log: Logger;
    now: () => number;
  }) {
    this.stripe = deps.stripe;
    this.#db = deps.db;
    this.#config = deps.config;
    this.#log = deps.log;
    this.#now = deps.now;
  }

  /** The tenant's Stripe customer, created once (the tenant id in its metadata). */
  async customer(tenantId: string, email?: string): Promise<string> {
    const known = await customerOfTenant(this.#db, tenantId);
    if (known) return known;
    const made = await this.stripe.customers.create(
      { metadata: { tenant_id: tenantId }, ...(email ? { email } : {}) },
      { idempotencyKey: `customer:${tenantId}` },
    );
    await this.#db.query(
      `INSERT INTO billing_customers (tenant_id, stripe_customer_id, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId, made.id, new Date(this.#now())],
    );
    return (await customerOfTenant(this.#db, tenantId)) ?? made.id;
  }

  /** A Checkout page where the tenant subscribes to a paid plan (the trial included). */
  async checkout(tenantId: string, planId: string): Promise<{ url: string }> {
    const plan = this.#paid(planId);
    const session = await this.stripe.checkout.sessions.create({
      mode: "subscription",
      customer: await this.customer(tenantId),
      line_items: [{ price: await this.#price(plan), quantity: 1 }],
      subscription_data: {
        ...(this.#config.trialDays > 0 ? { trial_period_days: this.#config.trialDays } : {}),
        metadata: { tenant_id: tenantId, plan: plan.id },
      },
      success_url: `${this.#config.appUrl}?checkout=done`,
      cancel_url: `${this.#config.appUrl}?checkout=canceled`,
      metadata: { tenant_id: tenantId },
    });
    if (!session.url) throw new AppError("upstream_invalid", "Stripe gave no checkout URL");
    return { url: session.url };
  }

  /**
   * Moves the tenant to a plan: a subscription of that product changes price with proration (an
   * upgrade charges the rest of the period at once on the next invoice, a downgrade credits it);
   * without one, a subscription starts with the trial (the customer's default payment method
   * pays after it).
   */
  async changePlan(tenantId: string, planId: string): Promise<void> {
    const plan = this.#paid(planId);
    const price = await this.#price(plan);
    const current = await this.#stripeSubscription(tenantId, plan.product);
    let sub: Stripe.Subscription;
    if (current) {
      const item = current.items.data[0];
      if (!item) throw new AppError("upstream_invalid", `subscription ${current.id} has no item`);
      sub = await this.stripe.subscriptions.update(current.id, {
        items: [{ id: item.id, price }],
        proration_behavior: "create_prorations",
        cancel_at_period_end: false,
        metadata: { tenant_id: tenantId, plan: plan.id },
      });
    } else {
      sub = await this.stripe.subscriptions.create(
        {
          customer: await this.customer(tenantId),
          items: [{ price }],
          ...(this.#config.trialDays > 0 ? { trial_period_days: this.#config.trialDays } : {}),
          metadata: { tenant_id: tenantId, plan: plan.id },
        },
        { idempotencyKey: `subscribe:${tenantId}:${plan.id}:${Math.floor(this.#now() / 60_000)}` },
      );
    }
    await this.#apply(sub);
  }

  /** Cancels the tenant's subscription to a product, now or at the end of its period. */
  async cancel(tenantId: string, product: ProductId, atPeriodEnd: boolean): Promise<void> {
    const current = await this.#stripeSubscription(tenantId, product);
    if (!current) throw new AppError("not_found", `no paid ${product} subscription to cancel`);
    const sub = atPeriodEnd
      ? await this.stripe.subscriptions.update(current.id, { cancel_at_period_end: true })
      : await this.stripe.subscriptions.cancel(current.id);
    await this.#apply(sub);
  }

  /** Stores what Stripe answered for the subscription, under its lock (see `lockSubscription`). */
  async #apply(sub: Stripe.Subscription): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await lockSubscription(tx, sub.id);
      await applySubscription(tx, sub, this.#now());
    });
  }

  /** A link to Stripe's customer portal (payment methods, invoices, cancellation). */
  async portal(tenantId: string): Promise<{ url: string }> {
    const session = await this.stripe.billingPortal.sessions.create({
      customer: await this.customer(tenantId),
      return_url: this.#config.appUrl,
    });
    return { url: session.url };
  }

  /**
   * Reports usage to Stripe as meter events on each event's Stripe customer, each identified by
   * our idempotency key (Stripe refuses an identifier it has seen, so a retry never counts twice).
   * Failures are logged and counted, never thrown: the next report retries them.
   */
  async reportUsage(
    events: readonly (UsageEvent & { customer: string })[],
  ): Promise<{ sent: number; failed: number }> {
    let sent = 0;
    let failed = 0;
    for (const e of events) {
      try {
        await this.stripe.billing.meterEvents.create({
          event_name: stripeMeterEvent(e.meter),
          payload: { stripe_customer_id: e.customer, value: String(e.value) },
          identifier: e.idempotencyKey,
          timestamp: Math.floor(e.eventAt / 1000),
        });
        sent++;
      } catch (err) {
        if ((err as { code?: string }).code === "duplicate_meter_event") continue;
        failed++;
        this.#log.warn({ error: String(err) }, "usage not reported to Stripe; retried later");
      }
    }
    return { sent, failed };
  }

  #paid(planId: string): Plan {
    const plan = planById(planId);
    if ((plan.monthlyCents ?? 0) <= 0)
      throw new AppError(
        "invalid_input",
        `plan ${plan.id} is ${plan.monthlyCents === 0 ? "free" : "priced per contract"}: it is not sold through checkout`,
      );
    return plan;
  }

  async #price(plan: Plan): Promise<string> {
    const [price] = (
      await this.stripe.prices.list({ lookup_keys: [plan.id], active: true, limit: 1 })
    ).data;
    if (!price)
      throw new AppError(
        "upstream_invalid",
        `Stripe has no price for ${plan.id}: run \`kamiyo billing sync\` first`,
      );
    return price.id;
  }

  async #stripeSubscription(
    tenantId: string,
    product: ProductId,
  ): Promise<Stripe.Subscription | null> {
    const [row] = await this.#db.query<{ stripe_subscription_id: string | null; status: string }>(
      "SELECT stripe_subscription_id, status FROM subscriptions WHERE tenant_id = $1 AND product = $2",
      [tenantId, product],
    );
    if (!row?.stripe_subscription_id || row.status === "canceled") return null;
    return this.stripe.subscriptions.retrieve(row.stripe_subscription_id);
  }
}
