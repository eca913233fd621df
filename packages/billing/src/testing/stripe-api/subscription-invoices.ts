import type Stripe from "stripe";
import { emit } from "./events.ts";
import { atPrice, times } from "./format.ts";
import {
  addInvoiceItem,
  newInvoice,
  recomputeTotals,
  type SubscriptionLine,
  subscriptionLineItem,
} from "./invoice-objects.ts";
import { meterUsage } from "./meters.ts";
import { productName, unitAmountOf } from "./prices.ts";
import { customerIdOf, customerOf, type StripeState } from "./store.ts";
import { isMetered, quantityOf } from "./subscription-objects.ts";

/** An item as lines bill it: the subscription's, or one a change would make. */
export interface BilledItem {
  id: string;
  price: Stripe.Price;
  quantity: number;
}

/** The fee of every licensed item for `period`: `1 × Pro (at $20.00 / month)`. */
export function feeLines(
  state: StripeState,
  subscription: Stripe.Subscription,
  period: { start: number; end: number },
): SubscriptionLine[] {
  const items = subscription.items.data.map((i) => ({
    id: i.id,
    price: i.price,
    quantity: quantityOf(i),
  }));
  return feeLinesOf(state, items, period);
}

/** The fee of each licensed item of `items` for `period`. */
export function feeLinesOf(
  state: StripeState,
  items: readonly BilledItem[],
  period: { start: number; end: number },
): SubscriptionLine[] {
  return items
    .filter((item) => item.price.recurring?.usage_type !== "metered")
    .map((item) => {
      const unit = unitAmountOf(item.price);
      const quantity = item.quantity;
      return {
        amount: Math.round(unit * quantity),
        description: `${times(quantity, productName(state, item.price))} ${atPrice(unit, item.price.currency, item.price.recurring)}`,
        price: item.price,
        quantity,
        period,
        subscriptionItem: item.id,
      };
    });
}

/** The free trial lines of a subscription's first invoice: `Trial period for Pro`. */
export function trialLines(
  state: StripeState,
  subscription: Stripe.Subscription,
  period: { start: number; end: number },
): SubscriptionLine[] {
  return subscription.items.data.map((item) => ({
    amount: 0,
    description: `Trial period for ${productName(state, item.price)}`,
    price: item.price,
    quantity: quantityOf(item),
    period,
    subscriptionItem: item.id,
  }));
}

/**
 * The usage of every metered item over `period`, billed in arrears: the meter's aggregate for the
 * customer, transformed by the price's `transform_quantity`.
 */
export function usageLines(
  state: StripeState,
  subscription: Stripe.Subscription,
  period: { start: number; end: number },
): SubscriptionLine[] {
  return subscription.items.data.filter(isMetered).map((item) => {
    const meter = item.price.recurring?.meter ?? null;
    const raw =
      meter === null
        ? 0
        : meterUsage(state, meter, customerIdOf(subscription), period.start, period.end);
    const transform = item.price.transform_quantity;
    const quantity =
      transform === null
        ? raw
        : (transform.round === "down" ? Math.floor : Math.ceil)(raw / transform.divide_by);
    const unit = unitAmountOf(item.price);
    return {
      amount: Math.round(unit * quantity),
      description: `${times(quantity, productName(state, item.price))} ${atPrice(unit, item.price.currency, item.price.recurring)}`,
      price: item.price,
      quantity,
      period,
      subscriptionItem: item.id,
    };
  });
}

/**
 * Creates (and stores) a subscription's invoice with `lines` and the pending invoice items
 * `pending`, emits `invoice.created` and makes it the subscription's `latest_invoice`.
 */
export function invoiceSubscription(
  state: StripeState,
  subscription: Stripe.Subscription,
  at: number,
  billingReason: Stripe.Invoice.BillingReason,
  lines: readonly SubscriptionLine[],
  pending: readonly Stripe.InvoiceItem[],
  period: { start: number; end: number },
  autoAdvance = true,
): Stripe.Invoice {
  const customer = customerOf(state, subscription);
  const invoice = newInvoice({
    customer,
    subscription,
    billingReason,
    currency: subscription.currency,
    at,
    autoAdvance,
    periodStart: period.start,
    periodEnd: period.end,
  });
  const bookkeeping = state.subscriptionState.get(subscription.id);
  // Pending items (prorations) come first, then the subscription's own lines, as at Stripe.
  for (const item of pending) addInvoiceItem(invoice, item);
  for (const line of lines) {
    const item = subscriptionLineItem(invoice.id, subscription, line);
    invoice.lines.data.push(item);
    bookkeeping?.lastBilled.set(line.subscriptionItem, { invoice: invoice.id, line: item.id });
  }
  recomputeTotals(invoice);
  state.invoices.set(invoice.id, invoice);
  subscription.latest_invoice = invoice.id;
  emit(state, "invoice.created", invoice, at);
  return invoice;
}
