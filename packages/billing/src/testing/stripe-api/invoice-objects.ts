import type Stripe from "stripe";
import { embeddedList } from "./list.ts";
import { productOf } from "./prices.ts";
import { decimal, newId } from "./wire.ts";

/** What an invoice is created from. */
export interface InvoiceArgs {
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  currency: string;
  at: number;
  autoAdvance: boolean;
  periodStart: number;
  periodEnd: number;
  /** A preview's `upcoming_in_…` id; a new `in_…` otherwise. */
  id?: string;
}

/** A subscription line: a period's fee, a trial, or metered usage. */
export interface SubscriptionLine {
  amount: number;
  description: string;
  price: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  subscriptionItem: string;
}

/** A draft invoice with no lines, in Stripe's shape. */
export function newInvoice(args: InvoiceArgs): Stripe.Invoice {
  const id = args.id ?? newId("in");
  const { customer, subscription, at } = args;
  const autoFinalize = args.autoAdvance ? at + 3_600 : null;
  return {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Local Stripe",
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: args.autoAdvance,
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    automatically_finalizes_at: autoFinalize,
    billing_reason: args.billingReason,
    collection_method: "charge_automatically",
    created: at,
    currency: args.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: embeddedList<Stripe.InvoiceLineItem>([], `/v1/invoices/${id}/lines`),
    livemode: false,
    metadata: {},
    next_payment_attempt: autoFinalize,
    number: null,
    on_behalf_of: null,
    parent:
      subscription === null
        ? null
        : {
            quote_details: null,
            subscription_details: {
              metadata: { ...subscription.metadata },
              subscription: subscription.id,
            },
            type: "subscription_details",
          },
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: args.periodEnd,
    period_start: args.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: customer.test_clock ?? null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: at,
  };
}

/** What a subscription line needs of its subscription (a preview's may not exist yet). */
export interface LineOwner {
  id: string | null;
  currency: string;
  metadata: Stripe.Metadata;
}

/** The line for a subscription's fee, trial or usage. */
export function subscriptionLineItem(
  invoiceId: string | null,
  subscription: LineOwner,
  line: SubscriptionLine,
): Stripe.InvoiceLineItem {
  return {
    id: newId(invoiceId?.startsWith("upcoming_") === true ? "il_tmp" : "il"),
    object: "line_item",
    amount: line.amount,
    currency: subscription.currency,
    description: line.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId?.startsWith("upcoming_") === true ? null : invoiceId,
    livemode: false,
    metadata: { ...subscription.metadata },
    parent: {
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: false,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: line.subscriptionItem,
      },
      type: "subscription_item_details",
    },
    period: { ...line.period },
    pretax_credit_amounts: [],
    pricing: {
      price_details: { price: line.price.id, product: productOf(line.price) },
      type: "price_details",
      unit_amount_decimal: line.price.unit_amount_decimal,
    },
    quantity: line.quantity,
    quantity_decimal: decimal(line.quantity),
    subscription: subscription.id,
    subtotal: line.amount,
    taxes: [],
  };
}

/** The line an invoice item becomes on an invoice. */
export function invoiceItemLine(
  invoiceId: string | null,
  item: Stripe.InvoiceItem,
): Stripe.InvoiceLineItem {
  const details = item.parent?.subscription_details ?? null;
  const credited = item.proration_details?.credited_items?.invoice_line_item_details ?? null;
  const proration = {
    credited_items:
      credited === null
        ? null
        : { invoice: credited.invoice, invoice_line_items: [...credited.invoice_line_items] },
  };
  const parent: Stripe.InvoiceLineItem.Parent =
    details?.subscription_item === undefined || details === null
      ? {
          invoice_item_details: {
            invoice_item: item.id,
            proration: item.proration,
            proration_details: proration,
            subscription: details?.subscription ?? null,
          },
          subscription_item_details: null,
          type: "invoice_item_details",
        }
      : {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: item.id,
            proration: item.proration,
            proration_details: proration,
            subscription: details.subscription,
            subscription_item: details.subscription_item,
          },
          type: "subscription_item_details",
        };
  const preview = invoiceId?.startsWith("upcoming_") === true;
  return {
    id: newId(preview ? "il_tmp" : "il"),
    object: "line_item",
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: preview ? null : invoiceId,
    livemode: false,
    metadata: { ...(item.metadata ?? {}) },
    parent,
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: item.pricing,
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription: details?.subscription ?? null,
    subtotal: item.amount,
    taxes: [],
  };
}

/** Puts a pending invoice item on a draft invoice. */
export function addInvoiceItem(invoice: Stripe.Invoice, item: Stripe.InvoiceItem): void {
  item.invoice = invoice.id;
  invoice.lines.data.push(invoiceItemLine(invoice.id, item));
  recomputeTotals(invoice);
}

/** Recomputes a draft's totals from its lines (no tax, no discounts). */
export function recomputeTotals(invoice: Stripe.Invoice): void {
  const total = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.subtotal = total;
  invoice.subtotal_excluding_tax = total;
  invoice.total = total;
  invoice.total_excluding_tax = total;
  if (invoice.status === "draft") {
    invoice.amount_due = Math.max(0, total);
    invoice.amount_remaining = invoice.amount_due;
  }
}

/** The subscription an invoice bills, if any. */
export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  const sub = invoice.parent?.subscription_details?.subscription;
  if (sub === undefined) return null;
  return typeof sub === "string" ? sub : sub.id;
}
