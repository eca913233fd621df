import type Stripe from "stripe";
import { noSuch } from "./errors.ts";
import type { ResolvedOptions } from "./options.ts";
import type { TestCard } from "./test-cards.ts";
import { idOf } from "./wire.ts";

/** Bookkeeping of a subscription that is not part of Stripe's object. */
export interface SubscriptionState {
  /** The billing cycle anchor, epoch seconds: periods start at `periodStart(anchor, k)`. */
  anchor: number;
  /** The current period's index from the anchor; -1 while the subscription is trialing. */
  periodIndex: number;
  trialWillEndSent: boolean;
  /** What happens at the trial's end without a payment method. */
  missingPaymentMethod: "create_invoice" | "cancel";
  /** The last invoice line that billed each subscription item, for `credited_items`. */
  lastBilled: Map<string, { invoice: string; line: string }>;
}

/** What a checkout session will buy, kept beside the session object. */
export interface CheckoutCart {
  items: { price: Stripe.Price; quantity: number }[];
  trialDays: number;
  subscriptionMetadata: Record<string, string>;
}

/** The API request an event comes from (`event.request`). */
export interface RequestInfo {
  id: string;
  idempotencyKey: string | null;
}

/**
 * Everything the fake Stripe account holds. Objects are stored in their Stripe shape (the SDK's
 * types for API version 2026-11-18.endive) and changed in place; responses and events serialize
 * them when sent.
 */
export class StripeState {
  readonly options: ResolvedOptions;
  /** `http://127.0.0.1:<port>`, set once the server listens. */
  baseUrl = "";
  readonly customers = new Map<string, Stripe.Customer>();
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  /** How each payment method made from a test token behaves. */
  readonly cards = new Map<string, TestCard>();
  /** Per customer, the payment method each test token (`pm_card_visa`) became on attach. */
  readonly tokens = new Map<string, Map<string, string>>();
  readonly products = new Map<string, Stripe.Product>();
  readonly prices = new Map<string, Stripe.Price>();
  readonly subscriptions = new Map<string, Stripe.Subscription>();
  readonly subscriptionState = new Map<string, SubscriptionState>();
  readonly invoices = new Map<string, Stripe.Invoice>();
  readonly invoiceItems = new Map<string, Stripe.InvoiceItem>();
  readonly testClocks = new Map<string, Stripe.TestHelpers.TestClock>();
  readonly meters = new Map<string, Stripe.Billing.Meter>();
  readonly meterEvents: Stripe.Billing.MeterEvent[] = [];
  readonly meterIdentifiers = new Set<string>();
  readonly checkoutSessions = new Map<string, Stripe.Checkout.Session>();
  readonly checkoutCarts = new Map<string, CheckoutCart>();
  readonly portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  readonly webhookEndpoints = new Map<string, Stripe.WebhookEndpoint>();
  /** Each webhook endpoint's signing secret (`whsec_…`), shown only when it is created. */
  readonly webhookSecrets = new Map<string, string>();
  /** Every event, oldest first, as sent (JSON). */
  readonly events: Stripe.Event[] = [];
  /** The API request being handled, for `event.request`; null for work the clock does. */
  request: RequestInfo | null = null;
  /** Hands a new event to webhook delivery; returns how many endpoints it goes to. */
  onPublish: (event: Stripe.Event) => number = () => 0;
  private held: Stripe.Event[] | null = null;

  constructor(options: ResolvedOptions) {
    this.options = options;
  }

  /** The real time, epoch seconds. */
  realNow(): number {
    return Math.floor(this.options.now() / 1000);
  }

  /** The time for objects on `clockId` (its frozen time), or the real time for none. */
  now(clockId: string | null): number {
    if (clockId === null) return this.realNow();
    return this.testClocks.get(clockId)?.frozen_time ?? this.realNow();
  }

  /** The subscription items of every subscription, by id. */
  subscriptionItems(): Map<string, Stripe.SubscriptionItem> {
    const items = new Map<string, Stripe.SubscriptionItem>();
    for (const sub of this.subscriptions.values()) {
      for (const item of sub.items.data) items.set(item.id, item);
    }
    return items;
  }

  /** The test clock a customer lives on, or null. */
  clockOf(customerId: string): string | null {
    const clock = this.customers.get(customerId)?.test_clock ?? null;
    return typeof clock === "string" ? clock : (clock?.id ?? null);
  }

  /** Records and publishes an event (or holds it, inside `hold`). */
  publish(event: Stripe.Event): void {
    if (this.held !== null) {
      this.held.push(event);
      return;
    }
    this.events.push(event);
    event.pending_webhooks = this.onPublish(event);
  }

  /**
   * Runs `work` holding back the events it creates, and returns them unpublished, so a caller can
   * publish an event about the outcome first (a subscription created active) and then these.
   */
  hold(work: () => void): Stripe.Event[] {
    const outer = this.held;
    const mine: Stripe.Event[] = [];
    this.held = mine;
    try {
      work();
    } finally {
      this.held = outer;
    }
    return mine;
  }
}

/** The id of the customer an object (subscription, invoice, item) belongs to. */
export function customerIdOf(owner: { customer: string | { id: string } | null }): string {
  return idOf(owner.customer) ?? "";
}

/** The customer an object belongs to. */
export function customerOf(
  state: StripeState,
  owner: { customer: string | { id: string } | null },
): Stripe.Customer {
  return must(state.customers, "customer", customerIdOf(owner), "customer");
}

/** The object with `id` in `map`, or Stripe's `resource_missing` error naming `kind`. */
export function must<T>(map: ReadonlyMap<string, T>, kind: string, id: string, param = "id"): T {
  const found = map.get(id);
  if (found === undefined) throw noSuch(kind, id, param);
  return found;
}
