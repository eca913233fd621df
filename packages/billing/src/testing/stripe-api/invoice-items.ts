import type Stripe from "stripe";
import { settleCurrency } from "./customers.ts";
import { badRequest, invalidParam, missingParam } from "./errors.ts";
import { emit } from "./events.ts";
import { addInvoiceItem } from "./invoice-objects.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { productName, productOf, unitAmountOf } from "./prices.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { customerIdOf, must, type StripeState } from "./store.ts";
import { decimal, newId } from "./wire.ts";

/** What an invoice item is created from. */
export interface InvoiceItemSpec {
  customer: Stripe.Customer;
  amount: number;
  currency: string;
  description: string | null;
  quantity: number;
  price: Stripe.Price | null;
  period: { start: number; end: number };
  proration: boolean;
  subscription: string | null;
  subscriptionItem: string | null;
  metadata: Record<string, string>;
  /** For a credit proration: the line that billed the time credited. */
  credits?: { invoice: string; line: string } | null;
}

/** Creates a pending invoice item and emits `invoiceitem.created`. */
export function createInvoiceItem(
  state: StripeState,
  spec: InvoiceItemSpec,
  at: number,
): Stripe.InvoiceItem {
  const item = buildInvoiceItem(spec, at);
  state.invoiceItems.set(item.id, item);
  emit(state, "invoiceitem.created", item, at);
  return item;
}

/** An invoice item in Stripe's shape, not stored (a preview's). */
export function buildInvoiceItem(spec: InvoiceItemSpec, at: number): Stripe.InvoiceItem {
  const unit = spec.price === null ? spec.amount / spec.quantity : unitAmountOf(spec.price);
  const item: Stripe.InvoiceItem = {
    id: newId("ii"),
    object: "invoiceitem",
    amount: spec.amount,
    currency: spec.currency,
    customer: spec.customer.id,
    customer_account: null,
    date: at,
    description: spec.description,
    discountable: !spec.proration,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: spec.metadata,
    parent:
      spec.subscription === null
        ? null
        : {
            subscription_details: {
              subscription: spec.subscription,
              ...(spec.subscriptionItem === null
                ? {}
                : { subscription_item: spec.subscriptionItem }),
            },
            type: "subscription_details",
          },
    period: { ...spec.period },
    pricing: {
      ...(spec.price === null
        ? {}
        : { price_details: { price: spec.price.id, product: productOf(spec.price) } }),
      type: "price_details",
      unit_amount_decimal: decimal(unit),
    },
    proration: spec.proration,
    ...(spec.proration
      ? {
          proration_details: {
            credited_items:
              spec.credits === undefined || spec.credits === null
                ? null
                : {
                    invoice_line_item_details: {
                      invoice: spec.credits.invoice,
                      invoice_line_items: [spec.credits.line],
                    },
                    type: "invoice_line_items",
                  },
            discount_amounts: [],
          },
        }
      : {}),
    quantity: spec.quantity,
    quantity_decimal: decimal(spec.quantity),
    tax_rates: [],
    test_clock: spec.customer.test_clock ?? null,
  };
  return item;
}

/**
 * The customer's pending (not yet invoiced) items, oldest first; with `subscription`, only those
 * of that subscription or of none (`"any"`: all).
 */
export function pendingItems(
  state: StripeState,
  customerId: string,
  subscription: string | null | "any",
  onlyThatSubscription = false,
): Stripe.InvoiceItem[] {
  return [...state.invoiceItems.values()].filter((item) => {
    if (item.customer !== customerId || item.invoice !== null) return false;
    if (subscription === "any") return true;
    const of = item.parent?.subscription_details?.subscription ?? null;
    return of === subscription || (!onlyThatSubscription && of === null);
  });
}

/** Invoice items: create, retrieve, update, delete, list (`pending`, `customer`, `invoice`). */
export function invoiceItemRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/invoiceitems",
      [
        "amount",
        "currency",
        "customer",
        "description",
        "discountable",
        "invoice",
        "metadata",
        "period",
        "pricing",
        "quantity",
        "subscription",
        "unit_amount_decimal",
      ],
      createFromParams,
    ),
    route("GET", "/v1/invoiceitems/:id", [], (ctx) =>
      must(ctx.state.invoiceItems, "invoiceitem", ctx.id),
    ),
    route("POST", "/v1/invoiceitems/:id", ["amount", "description", "metadata"], updateItem),
    route("DELETE", "/v1/invoiceitems/:id", [], ({ state, id }) => {
      const item = must(state.invoiceItems, "invoiceitem", id);
      if (item.invoice !== null) {
        throw badRequest(
          "This invoice item is already attached to an invoice and cannot be deleted.",
        );
      }
      state.invoiceItems.delete(id);
      emit(state, "invoiceitem.deleted", item, state.now(state.clockOf(customerIdOf(item))));
      const deleted: Stripe.DeletedInvoiceItem = { id, object: "invoiceitem", deleted: true };
      return deleted;
    }),
    route(
      "GET",
      "/v1/invoiceitems",
      [...LIST_PARAMS, "customer", "invoice", "pending"],
      ({ state, params, url }) => {
        const customer = params.str("customer");
        const invoice = params.str("invoice");
        const pending = params.bool("pending");
        const found = [...state.invoiceItems.values()].filter(
          (i) =>
            (customer === undefined || i.customer === customer) &&
            (invoice === undefined || i.invoice === invoice) &&
            (pending === undefined || (i.invoice === null) === pending),
        );
        return listOf(found, params, url);
      },
    ),
  ];
}

function createFromParams({ state, params }: RouteContext): Stripe.InvoiceItem {
  const customer = must(state.customers, "customer", params.required("customer"), "customer");
  const at = state.now(state.clockOf(customer.id));
  const priceId = params.obj("pricing")?.str("price");
  const price =
    priceId === undefined ? null : must(state.prices, "price", priceId, "pricing[price]");
  const quantity = params.int("quantity") ?? 1;
  let amount = params.int("amount");
  if (amount === undefined) {
    const dec = params.str("unit_amount_decimal");
    if (price !== null) amount = Math.round(unitAmountOf(price) * quantity);
    else if (dec !== undefined && dec !== "") amount = Math.round(Number(dec) * quantity);
    else throw missingParam("amount");
  }
  const currency = (
    params.str("currency") ??
    price?.currency ??
    customer.currency ??
    ""
  ).toLowerCase();
  if (currency === "") throw missingParam("currency");
  const subscription = params.str("subscription") ?? null;
  if (subscription !== null)
    must(state.subscriptions, "subscription", subscription, "subscription");
  settleCurrency(state, customer.id, currency);
  const period = params.obj("period");
  const item = createInvoiceItem(
    state,
    {
      customer,
      amount,
      currency,
      description: params.str("description") ?? (price === null ? null : productName(state, price)),
      quantity,
      price,
      period: { start: period?.int("start") ?? at, end: period?.int("end") ?? at },
      proration: false,
      subscription,
      subscriptionItem: null,
      metadata: mergeMetadata({}, params.metadata()),
    },
    at,
  );
  const invoiceId = params.str("invoice");
  if (invoiceId !== undefined) addToDraft(state, item, invoiceId);
  return item;
}

function updateItem({ state, params, id }: RouteContext): Stripe.InvoiceItem {
  const item = must(state.invoiceItems, "invoiceitem", id);
  if (item.invoice !== null) {
    throw badRequest("This invoice item is already attached to an invoice and cannot be updated.");
  }
  const amount = params.int("amount");
  if (amount !== undefined) {
    item.amount = amount;
    item.quantity = 1;
    item.quantity_decimal = decimal(1);
    if (item.pricing !== null) item.pricing.unit_amount_decimal = decimal(amount);
  }
  if (params.has("description")) item.description = params.str("description") || null;
  item.metadata = mergeMetadata(item.metadata ?? {}, params.metadata());
  return item;
}

function addToDraft(state: StripeState, item: Stripe.InvoiceItem, invoiceId: string): void {
  const invoice = must(state.invoices, "invoice", invoiceId, "invoice");
  if (invoice.status !== "draft") {
    throw invalidParam("invoice", "You can only add invoice items to draft invoices.");
  }
  addInvoiceItem(invoice, item);
}
