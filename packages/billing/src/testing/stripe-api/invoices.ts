import type Stripe from "stripe";
import { badRequest, cardDeclined, invalidParam, noPaymentMethod } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { pendingItems } from "./invoice-items.ts";
import { addInvoiceItem, newInvoice, subscriptionIdOf } from "./invoice-objects.ts";
import {
  attemptPayment,
  finalizeInvoice,
  markPaid,
  markUncollectible,
  voidInvoice,
} from "./invoice-payment.ts";
import { previewInvoice } from "./invoice-preview.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { customerPaymentMethod } from "./payment-methods.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { customerIdOf, customerOf, must, type StripeState } from "./store.ts";
import { idOf } from "./wire.ts";

/**
 * Invoices: create (one-off, optionally sweeping pending items), preview, retrieve, update,
 * delete a draft, finalize, pay, void, mark uncollectible, list, list lines.
 */
export function invoiceRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/invoices/create_preview",
      [
        "currency",
        "customer",
        "invoice_items",
        "preview_mode",
        "subscription",
        "subscription_details",
      ],
      previewInvoice,
    ),
    route(
      "POST",
      "/v1/invoices",
      [
        "auto_advance",
        "collection_method",
        "currency",
        "customer",
        "default_payment_method",
        "description",
        "metadata",
        "pending_invoice_items_behavior",
        "subscription",
      ],
      createInvoice,
    ),
    route("GET", "/v1/invoices/:id", [], (ctx) => must(ctx.state.invoices, "invoice", ctx.id)),
    route(
      "POST",
      "/v1/invoices/:id",
      ["auto_advance", "default_payment_method", "description", "metadata"],
      updateInvoice,
    ),
    route("DELETE", "/v1/invoices/:id", [], deleteDraft),
    route("POST", "/v1/invoices/:id/finalize", ["auto_advance"], ({ state, params, id }) => {
      const invoice = must(state.invoices, "invoice", id);
      const autoAdvance = params.bool("auto_advance");
      if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
      finalizeInvoice(state, invoice, timeOf(state, invoice));
      return invoice;
    }),
    route(
      "POST",
      "/v1/invoices/:id/pay",
      ["off_session", "paid_out_of_band", "payment_method"],
      pay,
    ),
    route("POST", "/v1/invoices/:id/void", [], ({ state, id }) => {
      const invoice = must(state.invoices, "invoice", id);
      voidInvoice(state, invoice, timeOf(state, invoice));
      return invoice;
    }),
    route("POST", "/v1/invoices/:id/mark_uncollectible", [], ({ state, id }) => {
      const invoice = must(state.invoices, "invoice", id);
      markUncollectible(state, invoice, timeOf(state, invoice));
      return invoice;
    }),
    route(
      "GET",
      "/v1/invoices",
      [...LIST_PARAMS, "collection_method", "customer", "status", "subscription"],
      ({ state, params, url }) => {
        const customer = params.str("customer");
        const subscription = params.str("subscription");
        const status = params.str("status");
        const found = [...state.invoices.values()].filter(
          (i) =>
            (customer === undefined || i.customer === customer) &&
            (subscription === undefined || subscriptionIdOf(i) === subscription) &&
            (status === undefined || i.status === status),
        );
        return listOf(found, params, url);
      },
    ),
    route("GET", "/v1/invoices/:id/lines", [...LIST_PARAMS], ({ state, params, id, url }) => {
      const invoice = must(state.invoices, "invoice", id);
      return listOf(invoice.lines.data, params, url, false);
    }),
  ];
}

function timeOf(state: StripeState, invoice: Stripe.Invoice): number {
  return state.now(idOf(invoice.test_clock));
}

function createInvoice({ state, params }: RouteContext): Stripe.Invoice {
  const customer = must(state.customers, "customer", params.required("customer"), "customer");
  const subId = params.str("subscription");
  const subscription =
    subId === undefined ? null : must(state.subscriptions, "subscription", subId, "subscription");
  if (subscription !== null && subscription.customer !== customer.id) {
    throw invalidParam("subscription", "The subscription does not belong to this customer.");
  }
  const at = state.now(state.clockOf(customer.id));
  const invoice = newInvoice({
    customer,
    subscription,
    billingReason: "manual",
    currency: (
      params.str("currency") ??
      subscription?.currency ??
      customer.currency ??
      "usd"
    ).toLowerCase(),
    at,
    autoAdvance: params.bool("auto_advance") ?? false,
    periodStart: at,
    periodEnd: at,
  });
  invoice.description = params.str("description") || null;
  invoice.metadata = mergeMetadata({}, params.metadata());
  const pmRef = params.str("default_payment_method");
  if (pmRef !== undefined && pmRef !== "") {
    invoice.default_payment_method = customerPaymentMethod(
      state,
      customer.id,
      pmRef,
      "default_payment_method",
    );
  }
  const behavior =
    params.oneOf("pending_invoice_items_behavior", ["exclude", "include"]) ?? "exclude";
  if (behavior === "include") {
    const items =
      subscription === null
        ? pendingItems(state, customer.id, "any")
        : pendingItems(state, customer.id, subscription.id, true);
    for (const item of items) addInvoiceItem(invoice, item);
  }
  state.invoices.set(invoice.id, invoice);
  emit(state, "invoice.created", invoice, at);
  return invoice;
}

function updateInvoice({ state, params, id }: RouteContext): Stripe.Invoice {
  const invoice = must(state.invoices, "invoice", id);
  const at = timeOf(state, invoice);
  const before = snapshot(invoice);
  if (params.has("description")) {
    if (invoice.status !== "draft")
      throw badRequest("You can only update the description of a draft invoice.");
    invoice.description = params.str("description") || null;
  }
  const autoAdvance = params.bool("auto_advance");
  if (autoAdvance !== undefined) {
    invoice.auto_advance = autoAdvance;
    if (invoice.status === "draft")
      invoice.automatically_finalizes_at = autoAdvance ? at + 3_600 : null;
  }
  const pmRef = params.str("default_payment_method");
  if (pmRef !== undefined) {
    invoice.default_payment_method =
      pmRef === ""
        ? null
        : customerPaymentMethod(state, customerIdOf(invoice), pmRef, "default_payment_method");
  }
  invoice.metadata = mergeMetadata(invoice.metadata ?? {}, params.metadata());
  emitUpdated(state, "invoice.updated", invoice, before, at);
  return invoice;
}

function deleteDraft({ state, id }: RouteContext): Stripe.DeletedInvoice {
  const invoice = must(state.invoices, "invoice", id);
  if (invoice.status !== "draft") {
    throw badRequest(
      "You can only delete draft invoices; void or mark uncollectible a finalized one.",
    );
  }
  for (const item of state.invoiceItems.values()) if (item.invoice === id) item.invoice = null;
  state.invoices.delete(id);
  emit(state, "invoice.deleted", invoice, timeOf(state, invoice));
  return { id, object: "invoice", deleted: true };
}

/**
 * Pays an invoice now (finalizing a draft first).
 * @throws StripeApiError 402 `card_declined` when the charge fails (the failed attempt stays
 *   recorded: `attempt_count`, `invoice.payment_failed`), 400 when it cannot be paid.
 */
function pay({ state, params, id }: RouteContext): Stripe.Invoice {
  const invoice = must(state.invoices, "invoice", id);
  const at = timeOf(state, invoice);
  if (invoice.status === "paid")
    throw badRequest("Invoice is already paid.", "invoice_already_paid");
  if (invoice.status === "void") throw badRequest("You cannot pay a voided invoice.");
  const pmRef = params.str("payment_method");
  const pm =
    pmRef === undefined || pmRef === ""
      ? null
      : customerPaymentMethod(state, customerIdOf(invoice), pmRef, "payment_method");
  if (invoice.status === "draft") finalizeInvoice(state, invoice, at);
  if (invoice.status === "paid") return invoice;
  if (params.bool("paid_out_of_band") === true) {
    markPaid(state, invoice, at);
    return invoice;
  }
  const customer = customerOf(state, invoice);
  const subId = subscriptionIdOf(invoice);
  const subPm =
    subId === null ? null : idOf(state.subscriptions.get(subId)?.default_payment_method);
  const any =
    pm ??
    idOf(invoice.default_payment_method) ??
    subPm ??
    idOf(customer.invoice_settings.default_payment_method);
  if (any === null) throw noPaymentMethod();
  if (!attemptPayment(state, invoice, at, pm)) throw cardDeclined();
  return invoice;
}
