import type Stripe from "stripe";
import { periodStart } from "./billing-cycle.ts";
import { badRequest, missingParam } from "./errors.ts";
import { buildInvoiceItem, pendingItems } from "./invoice-items.ts";
import {
  invoiceItemLine,
  type LineOwner,
  newInvoice,
  recomputeTotals,
  type SubscriptionLine,
  subscriptionLineItem,
} from "./invoice-objects.ts";
import type { Params } from "./params.ts";
import type { RouteContext } from "./router.ts";
import { customerIdOf, must, type StripeState } from "./store.ts";
import {
  type PlannedProration,
  PRORATION_BEHAVIORS,
  planItemChanges,
  usablePrice,
} from "./subscription-changes.ts";
import { feeLinesOf, usageLines } from "./subscription-invoices.ts";
import { cadenceOf, firstItem, periodOf } from "./subscription-objects.ts";
import { newId } from "./wire.ts";

/**
 * `POST /v1/invoices/create_preview`: the invoice a change would produce, without changing
 * anything. For a subscription with `subscription_details[items]` and `[proration_date]`: its
 * next renewal invoice (pending items, the change's prorations, the next period's fees), or with
 * `[proration_behavior]=always_invoice` the invoice the change would charge at once. Without a
 * subscription: a new subscription's first invoice (`subscription_details[items][n][price]`), or
 * the customer's pending items.
 */
export function previewInvoice({ state, params }: RouteContext): Stripe.Invoice {
  const subId = params.str("subscription");
  const sub =
    subId === undefined ? null : must(state.subscriptions, "subscription", subId, "subscription");
  const customerId = params.str("customer") ?? (sub === null ? undefined : customerIdOf(sub));
  if (customerId === undefined) throw missingParam("customer");
  const customer = must(state.customers, "customer", customerId, "customer");
  const details = params.obj("subscription_details");
  const at = state.now(state.clockOf(customer.id));
  if (sub !== null) return previewSubscription(state, sub, customer, details, at);
  if (details !== undefined && details.list("items").length > 0) {
    return previewNewSubscription(state, customer, details, at);
  }
  const pending = pendingItems(state, customer.id, "any");
  if (pending.length === 0) {
    throw badRequest(`No upcoming invoices for customer: ${customer.id}`, "invoice_upcoming_none");
  }
  const invoice = preview(customer, null, "upcoming", customer.currency ?? "usd", at, {
    start: at,
    end: at,
  });
  for (const item of pending) invoice.lines.data.push(invoiceItemLine(invoice.id, item));
  recomputeTotals(invoice);
  return invoice;
}

function previewSubscription(
  state: StripeState,
  sub: Stripe.Subscription,
  customer: Stripe.Customer,
  details: Params | undefined,
  at: number,
): Stripe.Invoice {
  const behavior = details?.oneOf("proration_behavior", PRORATION_BEHAVIORS) ?? "create_prorations";
  const prorationDate = details?.int("proration_date") ?? at;
  const plan = planItemChanges(state, sub, details?.list("items") ?? [], prorationDate, behavior);
  const prorations = plan.prorations.map((p) => prorationItem(customer, sub, p, at));
  const first = firstItem(sub);
  const current = periodOf(first);
  let invoice: Stripe.Invoice;
  if (behavior === "always_invoice" || plan.resetsCycle) {
    const period = plan.resetsCycle
      ? nextPeriod(at, plan.resulting[0]?.price ?? first.price, 0)
      : current;
    invoice = preview(customer, sub, "subscription_update", sub.currency, at, {
      start: prorationDate,
      end: current.end,
    });
    const fees = plan.resetsCycle ? feeLinesOf(state, plan.resulting, period) : [];
    addLines(invoice, sub, fees, [
      ...pendingItems(state, customer.id, sub.id, true),
      ...prorations,
    ]);
  } else {
    const cancels = details?.bool("cancel_at_period_end") ?? sub.cancel_at_period_end;
    if (cancels || sub.status === "canceled") {
      throw badRequest(`No upcoming invoices for subscription: ${sub.id}`, "invoice_upcoming_none");
    }
    const boundary = sub.status === "trialing" ? (sub.trial_end ?? current.end) : current.end;
    const anchor =
      sub.status === "trialing"
        ? boundary
        : (state.subscriptionState.get(sub.id)?.anchor ?? boundary);
    const k =
      sub.status === "trialing" ? 0 : (state.subscriptionState.get(sub.id)?.periodIndex ?? 0) + 1;
    const cadence = cadenceOf(sub);
    const next = {
      start: periodStart(anchor, cadence, k),
      end: periodStart(anchor, cadence, k + 1),
    };
    invoice = preview(customer, sub, "upcoming", sub.currency, boundary, current);
    invoice.next_payment_attempt = boundary + 3_600;
    const usage = sub.status === "trialing" ? [] : usageLines(state, sub, current);
    addLines(
      invoice,
      sub,
      [...feeLinesOf(state, plan.resulting, next), ...usage],
      [...pendingItems(state, customer.id, sub.id), ...prorations],
    );
  }
  if (
    invoice.parent?.subscription_details !== null &&
    invoice.parent?.subscription_details !== undefined &&
    details?.has("proration_date") === true
  ) {
    invoice.parent.subscription_details.subscription_proration_date = prorationDate;
  }
  return invoice;
}

function previewNewSubscription(
  state: StripeState,
  customer: Stripe.Customer,
  details: Params,
  at: number,
): Stripe.Invoice {
  const items = details.list("items").map((p) => ({
    id: newId("si", 14),
    price: usablePrice(state, null, p.required("price"), p.name("price")),
    quantity: p.int("quantity") ?? 1,
  }));
  const price = (items[0] as { price: Stripe.Price }).price;
  const period = nextPeriod(at, price, 0);
  const invoice = preview(customer, null, "subscription_create", price.currency, at, {
    start: at,
    end: at,
  });
  const owner: LineOwner = { id: null, currency: price.currency, metadata: {} };
  addLines(
    invoice,
    owner,
    feeLinesOf(state, items, period),
    pendingItems(state, customer.id, null),
  );
  return invoice;
}

function nextPeriod(
  anchor: number,
  price: Stripe.Price,
  k: number,
): { start: number; end: number } {
  const cadence = {
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
  };
  return { start: periodStart(anchor, cadence, k), end: periodStart(anchor, cadence, k + 1) };
}

function preview(
  customer: Stripe.Customer,
  sub: Stripe.Subscription | null,
  billingReason: Stripe.Invoice.BillingReason,
  currency: string,
  at: number,
  period: { start: number; end: number },
): Stripe.Invoice {
  const invoice = newInvoice({
    customer,
    subscription: sub,
    billingReason,
    currency,
    at,
    autoAdvance: true,
    periodStart: period.start,
    periodEnd: period.end,
    id: newId("upcoming_in"),
  });
  invoice.webhooks_delivered_at = null;
  return invoice;
}

function addLines(
  invoice: Stripe.Invoice,
  owner: LineOwner,
  lines: readonly SubscriptionLine[],
  items: readonly Stripe.InvoiceItem[],
): void {
  for (const item of items) invoice.lines.data.push(invoiceItemLine(invoice.id, item));
  for (const line of lines) invoice.lines.data.push(subscriptionLineItem(invoice.id, owner, line));
  recomputeTotals(invoice);
}

function prorationItem(
  customer: Stripe.Customer,
  sub: Stripe.Subscription,
  p: PlannedProration,
  at: number,
): Stripe.InvoiceItem {
  return buildInvoiceItem(
    {
      customer,
      amount: p.amount,
      currency: sub.currency,
      description: p.description,
      quantity: p.quantity,
      price: p.price,
      period: p.period,
      proration: true,
      subscription: sub.id,
      subscriptionItem: p.subscriptionItem,
      metadata: {},
      credits: p.credits,
    },
    at,
  );
}
