import type Stripe from "stripe";
import { settleCurrency } from "./customers.ts";
import { badRequest, cardDeclined, noPaymentMethod } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { formatDate } from "./format.ts";
import { createInvoiceItem, pendingItems } from "./invoice-items.ts";
import { attemptPayment, finalizeInvoice, voidInvoice } from "./invoice-payment.ts";
import { chargeSucceeds } from "./payment-methods.ts";
import { productName, unitAmountOf } from "./prices.ts";
import { prorate } from "./proration.ts";
import {
  customerIdOf,
  customerOf,
  must,
  type StripeState,
  type SubscriptionState,
} from "./store.ts";
import { feeLines, invoiceSubscription, trialLines, usageLines } from "./subscription-invoices.ts";
import {
  addItem,
  firstItem,
  isMetered,
  newSubscription,
  periodOf,
  quantityOf,
  setPeriod,
} from "./subscription-objects.ts";
import { DAY, HOUR, idOf, type Json } from "./wire.ts";

/** What `createSubscription` needs, validated. */
export interface NewSubscription {
  customer: Stripe.Customer;
  items: { price: Stripe.Price; quantity: number; metadata: Record<string, string> }[];
  trialEnd: number | null;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
  description: string | null;
  paymentBehavior: "allow_incomplete" | "error_if_incomplete" | "default_incomplete";
  missingPaymentMethod: "create_invoice" | "cancel";
  cancelAtPeriodEnd: boolean;
}

/**
 * Creates a subscription and its first invoice (billing reason `subscription_create`): a free
 * trial line when trialing, else the first period's fee, charged at once. Payment failure leaves
 * it `incomplete` (`allow_incomplete`) or refuses it (`error_if_incomplete`: 402, nothing
 * created); `default_incomplete` leaves the invoice open unpaid.
 * @throws StripeApiError 400 without a payment method when one is needed now, 402 as above.
 */
export function createSubscription(
  state: StripeState,
  input: NewSubscription,
  at: number,
): Stripe.Subscription {
  const first = input.items[0];
  if (first === undefined) throw badRequest("Missing required param: items.", "parameter_missing");
  const currency = first.price.currency;
  if (input.items.some((i) => i.price.currency !== currency)) {
    throw badRequest(
      "The price specified for this item does not match the currency of the other items.",
    );
  }
  const customer = input.customer;
  const pm = input.defaultPaymentMethod ?? idOf(customer.invoice_settings.default_payment_method);
  const { subscription, bookkeeping } = newSubscription({ ...input, currency, at });
  for (const item of input.items) {
    addItem(subscription, item.price, item.quantity, item.metadata, at);
  }
  setPeriod(subscription, bookkeeping, bookkeeping.periodIndex);
  const period = periodOf(firstItem(subscription));
  const trialing = input.trialEnd !== null;
  const lines = trialing
    ? trialLines(state, subscription, period)
    : feeLines(state, subscription, period);
  const pending = pendingItems(state, customer.id, null);
  const due = [...lines, ...pending].reduce((sum, l) => sum + l.amount, 0) + customer.balance;
  if (due > 0 && input.paymentBehavior !== "default_incomplete") {
    if (pm === null) throw noPaymentMethod();
    if (input.paymentBehavior === "error_if_incomplete" && !chargeSucceeds(state, pm)) {
      throw cardDeclined();
    }
  }
  settleCurrency(state, customer.id, currency);
  state.subscriptions.set(subscription.id, subscription);
  state.subscriptionState.set(subscription.id, bookkeeping);
  if (input.cancelAtPeriodEnd) {
    subscription.cancel_at_period_end = true;
    subscription.cancel_at = period.end;
    subscription.canceled_at = at;
  }
  const held = state.hold(() => {
    const invoice = invoiceSubscription(
      state,
      subscription,
      at,
      "subscription_create",
      lines,
      pending,
      {
        start: at,
        end: at,
      },
    );
    finalizeInvoice(state, invoice, at);
    if (invoice.status === "open" && input.paymentBehavior !== "default_incomplete") {
      attemptPayment(state, invoice, at);
    }
  });
  // Created reports the outcome (active, or incomplete), so its own update is not sent.
  const rest = held.filter(
    (e) => !(e.type === "customer.subscription.updated" && e.data.object.id === subscription.id),
  );
  emit(state, "customer.subscription.created", subscription, at);
  for (const event of rest) state.publish(event);
  return subscription;
}

/** Sets a subscription's status, emitting `customer.subscription.updated`. */
export function setStatus(
  state: StripeState,
  subscription: Stripe.Subscription,
  status: Stripe.Subscription.Status,
  at: number,
): void {
  if (subscription.status === status) return;
  const before = snapshot(subscription);
  subscription.status = status;
  emitUpdated(state, "customer.subscription.updated", subscription, before, at);
}

/** The bookkeeping of a subscription. */
export function bookkeepingOf(
  state: StripeState,
  subscription: Stripe.Subscription,
): SubscriptionState {
  return must(state.subscriptionState, "subscription", subscription.id);
}

/** `customer.subscription.trial_will_end`, three days before the trial ends. */
export function trialWillEnd(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
): void {
  bookkeepingOf(state, subscription).trialWillEndSent = true;
  emit(state, "customer.subscription.trial_will_end", subscription, at);
}

/**
 * Starts the first paid period at `at` (the trial's end, or now for `trial_end=now`): the
 * subscription becomes active, the billing cycle is anchored at `at`, and the period's invoice is
 * created: a draft finalized and charged an hour later (`scheduled`), or at once (`now`).
 */
export function endTrial(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
  how: "scheduled" | "now",
  before: Json = snapshot(subscription),
): void {
  const bookkeeping = bookkeepingOf(state, subscription);
  const customer = customerOf(state, subscription);
  const pm =
    idOf(subscription.default_payment_method) ??
    idOf(customer.invoice_settings.default_payment_method);
  if (!bookkeeping.trialWillEndSent) trialWillEnd(state, subscription, at);
  if (pm === null && bookkeeping.missingPaymentMethod === "cancel") {
    cancelSubscription(state, subscription, at, "cancellation_requested");
    return;
  }
  subscription.status = "active";
  subscription.trial_end = at;
  subscription.billing_cycle_anchor = at;
  bookkeeping.anchor = at;
  setPeriod(subscription, bookkeeping, 0);
  const period = periodOf(firstItem(subscription));
  const reason = how === "now" ? "subscription_update" : "subscription_cycle";
  const invoice = invoiceSubscription(
    state,
    subscription,
    at,
    reason,
    feeLines(state, subscription, period),
    pendingItems(state, customer.id, subscription.id),
    { start: subscription.trial_start ?? at, end: at },
  );
  emitUpdated(state, "customer.subscription.updated", subscription, before, at);
  if (how === "now") collectNow(state, invoice, at);
}

/**
 * Starts the next period at its boundary `at`: a renewal invoice (billing reason
 * `subscription_cycle`) with the new period's fees, the ended period's metered usage and the
 * pending invoice items, as a draft that is finalized and charged an hour later.
 */
export function renew(state: StripeState, subscription: Stripe.Subscription, at: number): void {
  const bookkeeping = bookkeepingOf(state, subscription);
  const before = snapshot(subscription);
  const first = firstItem(subscription);
  const ended = periodOf(first);
  setPeriod(subscription, bookkeeping, bookkeeping.periodIndex + 1);
  const period = periodOf(first);
  invoiceSubscription(
    state,
    subscription,
    at,
    "subscription_cycle",
    [...feeLines(state, subscription, period), ...usageLines(state, subscription, ended)],
    pendingItems(state, customerIdOf(subscription), subscription.id),
    ended,
    subscription.status !== "unpaid",
  );
  emitUpdated(state, "customer.subscription.updated", subscription, before, at);
}

/** Finalizes an invoice made by a subscription change and charges it now. */
export function collectNow(state: StripeState, invoice: Stripe.Invoice, at: number): void {
  finalizeInvoice(state, invoice, at);
  if (invoice.status === "open") attemptPayment(state, invoice, at);
}

/**
 * Cancels now: optionally credits the unused time (`prorate`) and invoices what is pending
 * (`invoiceNow`, with metered usage so far), then `customer.subscription.deleted`.
 */
export function cancelSubscription(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
  reason: Stripe.Subscription.CancellationDetails.Reason,
  opts: { prorate?: boolean; invoiceNow?: boolean } = {},
): void {
  const customer = customerOf(state, subscription);
  const billing = subscription.status === "active" || subscription.status === "past_due";
  if (opts.prorate === true && billing) {
    for (const item of subscription.items.data) {
      if (isMetered(item)) continue;
      const quantity = quantityOf(item);
      const amount = prorate(
        unitAmountOf(item.price) * quantity,
        item.current_period_start,
        item.current_period_end,
        at,
      );
      if (amount === 0) continue;
      const name = productName(state, item.price);
      createInvoiceItem(
        state,
        {
          customer,
          amount: -amount,
          currency: subscription.currency,
          description: `Unused time on ${quantity === 1 ? name : `${quantity} × ${name}`} after ${formatDate(at)}`,
          quantity,
          price: item.price,
          period: { start: at, end: item.current_period_end },
          proration: true,
          subscription: subscription.id,
          subscriptionItem: item.id,
          metadata: {},
          credits: bookkeepingOf(state, subscription).lastBilled.get(item.id) ?? null,
        },
        at,
      );
    }
  }
  if (opts.invoiceNow === true && billing) {
    const first = firstItem(subscription);
    const usage = usageLines(state, subscription, { start: first.current_period_start, end: at });
    const pending = pendingItems(state, customer.id, subscription.id, true);
    if (usage.length > 0 || pending.length > 0) {
      const invoice = invoiceSubscription(
        state,
        subscription,
        at,
        "subscription_update",
        usage,
        pending,
        {
          start: first.current_period_start,
          end: at,
        },
      );
      collectNow(state, invoice, at);
    }
  }
  subscription.status = "canceled";
  subscription.canceled_at = subscription.canceled_at ?? at;
  subscription.ended_at = at;
  if (subscription.cancellation_details !== null) subscription.cancellation_details.reason = reason;
  emit(state, "customer.subscription.deleted", subscription, at);
}

/** What happens when the last retry of a subscription's invoice fails (an option). */
export function retriesExhausted(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
): void {
  switch (state.options.onRetriesExhausted) {
    case "cancel":
      cancelSubscription(state, subscription, at, "payment_failed");
      return;
    case "unpaid":
      setStatus(state, subscription, "unpaid", at);
      return;
    case "past_due":
      return;
  }
}

/** An `incomplete` subscription not paid within 23 hours becomes `incomplete_expired`. */
export function expireIncomplete(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
): void {
  const latest = idOf(subscription.latest_invoice);
  const invoice = latest === null ? undefined : state.invoices.get(latest);
  if (invoice !== undefined && invoice.status === "open") voidInvoice(state, invoice, at);
  subscription.ended_at = at;
  setStatus(state, subscription, "incomplete_expired", at);
}

/** When an incomplete subscription expires: 23 hours after it was created. */
export const INCOMPLETE_EXPIRES_AFTER = 23 * HOUR;

/** When `customer.subscription.trial_will_end` is sent: 3 days before the trial ends. */
export const TRIAL_WILL_END_BEFORE = 3 * DAY;
