import type Stripe from "stripe";
import { badRequest } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { attachPaymentMethod, checkAttachable, customerPaymentMethod } from "./payment-methods.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { cancelSubscription } from "./subscription-lifecycle.ts";
import { newId } from "./wire.ts";

const WRITABLE = ["description", "email", "invoice_settings", "metadata", "name", "phone"];

/**
 * Customers: create (optionally on a test clock, with a payment method), retrieve, update, list,
 * delete (which cancels its subscriptions).
 */
export function customerRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/customers",
      [...WRITABLE, "payment_method", "test_clock", "invoice_prefix", "preferred_locales"],
      createCustomer,
    ),
    route("GET", "/v1/customers/:id", [], (ctx) => must(ctx.state.customers, "customer", ctx.id)),
    route("POST", "/v1/customers/:id", WRITABLE, updateCustomer),
    route("DELETE", "/v1/customers/:id", [], deleteCustomer),
    route("GET", "/v1/customers", [...LIST_PARAMS, "email", "test_clock"], (ctx) => {
      const email = ctx.params.str("email");
      const clock = ctx.params.str("test_clock");
      const found = [...ctx.state.customers.values()].filter(
        (c) =>
          (email === undefined || c.email === email) &&
          (clock === undefined || c.test_clock === clock),
      );
      return listOf(found, ctx.params, ctx.url);
    }),
  ];
}

function createCustomer({ state, params }: RouteContext): Stripe.Customer {
  const clockId = params.str("test_clock") ?? null;
  if (clockId !== null) must(state.testClocks, "test_clock", clockId, "test_clock");
  const paymentMethod = params.str("payment_method");
  if (paymentMethod !== undefined) checkAttachable(paymentMethod);
  const at = state.now(clockId);
  const customer = newCustomer(at, {
    description: params.str("description") || null,
    email: params.str("email") || null,
    metadata: mergeMetadata({}, params.metadata()),
    name: params.str("name") || null,
    phone: params.str("phone") || null,
    test_clock: clockId,
  });
  const prefix = params.str("invoice_prefix");
  if (prefix !== undefined && prefix !== "") customer.invoice_prefix = prefix;
  customer.preferred_locales = params.strings("preferred_locales");
  state.customers.set(customer.id, customer);
  // Stripe's order: customer.created (with its default payment method), then the attach.
  const attachEvents = state.hold(() => {
    if (paymentMethod !== undefined) {
      attachPaymentMethod(state, paymentMethod, customer, at, "payment_method");
    }
  });
  const defaultPm = params.obj("invoice_settings")?.str("default_payment_method");
  if (defaultPm !== undefined && defaultPm !== "") {
    customer.invoice_settings.default_payment_method = customerPaymentMethod(
      state,
      customer.id,
      defaultPm,
      "invoice_settings[default_payment_method]",
    );
  }
  emit(state, "customer.created", customer, at);
  for (const event of attachEvents) state.publish(event);
  return customer;
}

function updateCustomer({ state, params, id }: RouteContext): Stripe.Customer {
  const customer = must(state.customers, "customer", id);
  const at = state.now(state.clockOf(customer.id));
  const before = snapshot(customer);
  const settings = params.obj("invoice_settings");
  const defaultPm = settings?.str("default_payment_method");
  if (defaultPm !== undefined) {
    customer.invoice_settings.default_payment_method =
      defaultPm === ""
        ? null
        : customerPaymentMethod(
            state,
            customer.id,
            defaultPm,
            "invoice_settings[default_payment_method]",
          );
  }
  if (params.has("email")) customer.email = params.str("email") || null;
  if (params.has("name")) customer.name = params.str("name") || null;
  if (params.has("description")) customer.description = params.str("description") || null;
  if (params.has("phone")) customer.phone = params.str("phone") || null;
  customer.metadata = mergeMetadata(customer.metadata, params.metadata());
  emitUpdated(state, "customer.updated", customer, before, at);
  return customer;
}

function deleteCustomer({ state, id }: RouteContext): Stripe.DeletedCustomer {
  const customer = must(state.customers, "customer", id);
  const at = state.now(state.clockOf(customer.id));
  for (const sub of state.subscriptions.values()) {
    if (sub.customer === id && sub.status !== "canceled" && sub.status !== "incomplete_expired") {
      cancelSubscription(state, sub, at, "cancellation_requested");
    }
  }
  state.customers.delete(id);
  emit(state, "customer.deleted", customer, at);
  return { id, object: "customer", deleted: true };
}

/** A new customer in Stripe's shape, created at `at` (not stored yet). */
export function newCustomer(
  at: number,
  fields: Pick<Stripe.Customer, "description" | "email" | "metadata" | "name" | "phone"> & {
    test_clock: string | null;
  },
): Stripe.Customer {
  return {
    id: newId("cus", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: at,
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    discount: null,
    invoice_prefix: newId("x", 8).slice(2).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    next_invoice_sequence: 1,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    ...fields,
  };
}

/**
 * Sets the customer's `currency` from its first subscription or invoice item.
 * @throws StripeApiError 400 when the customer already bills in another currency.
 */
export function settleCurrency(state: StripeState, customerId: string, currency: string): void {
  const customer = state.customers.get(customerId);
  if (customer === undefined) return;
  if (customer.currency !== null && customer.currency !== currency) {
    throw badRequest(
      `You cannot combine currencies on a single customer. This customer has had a subscription or payment in currency ${customer.currency}.`,
    );
  }
  customer.currency = currency;
}
