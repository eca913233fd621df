import type Stripe from "stripe";
import { type Cadence, periodStart } from "./billing-cycle.ts";
import { embeddedList } from "./list.ts";
import { planOf } from "./prices.ts";
import type { SubscriptionState } from "./store.ts";
import { newId } from "./wire.ts";

/** What a new subscription is made of. */
export interface SubscriptionSpec {
  customer: Stripe.Customer;
  currency: string;
  at: number;
  trialEnd: number | null;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
  description: string | null;
  missingPaymentMethod: "create_invoice" | "cancel";
}

/** A new subscription in Stripe's shape, with no items yet, and its bookkeeping. */
export function newSubscription(spec: SubscriptionSpec): {
  subscription: Stripe.Subscription;
  bookkeeping: SubscriptionState;
} {
  const id = newId("sub");
  const { at, trialEnd } = spec;
  const trialing = trialEnd !== null;
  const subscription: Stripe.Subscription = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? at,
    billing_cycle_anchor_config: null,
    billing_mode: {
      flexible: { proration_discounts: "included" },
      type: "flexible",
      updated_at: at,
    },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: "charge_automatically",
    created: at,
    currency: spec.currency,
    customer: spec.customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: spec.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: spec.description,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: "self" },
    },
    items: embeddedList<Stripe.SubscriptionItem>([], `/v1/subscription_items?subscription=${id}`),
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: spec.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: "off",
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: at,
    status: trialing ? "trialing" : "incomplete",
    test_clock: spec.customer.test_clock ?? null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: spec.missingPaymentMethod,
      },
    },
    trial_start: trialing ? at : null,
  };
  const bookkeeping: SubscriptionState = {
    anchor: trialEnd ?? at,
    periodIndex: trialing ? -1 : 0,
    trialWillEndSent: false,
    missingPaymentMethod: spec.missingPaymentMethod,
    lastBilled: new Map(),
  };
  return { subscription, bookkeeping };
}

/** Adds an item for `price` to the subscription, in the subscription's current period. */
export function addItem(
  subscription: Stripe.Subscription,
  price: Stripe.Price,
  quantity: number,
  metadata: Record<string, string>,
  at: number,
  id: string = newId("si", 14),
): Stripe.SubscriptionItem {
  const current = subscription.items.data[0];
  const period = current === undefined ? null : periodOf(current);
  const item: Stripe.SubscriptionItem = {
    id,
    object: "subscription_item",
    billing_thresholds: null,
    created: at,
    current_period_end: period?.end ?? at,
    current_period_start: period?.start ?? at,
    current_trial: null,
    discounts: [],
    metadata,
    plan: planOf(price),
    price,
    ...(price.recurring?.usage_type === "metered" ? {} : { quantity }),
    subscription: subscription.id,
    tax_rates: [],
  };
  subscription.items.data.push(item);
  return item;
}

/** A subscription's first item (every subscription has one). */
export function firstItem(subscription: Stripe.Subscription): Stripe.SubscriptionItem {
  const item = subscription.items.data[0];
  if (item === undefined) throw new Error(`subscription ${subscription.id} has no items`);
  return item;
}

/** An item's current period. */
export function periodOf(item: Stripe.SubscriptionItem): { start: number; end: number } {
  return { start: item.current_period_start, end: item.current_period_end };
}

/** The cadence the subscription bills on (its first item's). */
export function cadenceOf(subscription: Stripe.Subscription): Cadence {
  const recurring = subscription.items.data[0]?.price.recurring;
  return {
    interval: recurring?.interval ?? "month",
    interval_count: recurring?.interval_count ?? 1,
  };
}

/** Sets every item's period to period `k` from the anchor (or the trial, for k = -1). */
export function setPeriod(
  subscription: Stripe.Subscription,
  bookkeeping: SubscriptionState,
  k: number,
): void {
  bookkeeping.periodIndex = k;
  const cadence = cadenceOf(subscription);
  const start = k < 0 ? subscription.start_date : periodStart(bookkeeping.anchor, cadence, k);
  const end =
    k < 0 ? (subscription.trial_end ?? start) : periodStart(bookkeeping.anchor, cadence, k + 1);
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

/** True for a metered item (billed in arrears from a meter). */
export function isMetered(item: Stripe.SubscriptionItem): boolean {
  return item.price.recurring?.usage_type === "metered";
}

/** The item's quantity (1 when it has none). */
export function quantityOf(item: Stripe.SubscriptionItem): number {
  return item.quantity ?? 1;
}
