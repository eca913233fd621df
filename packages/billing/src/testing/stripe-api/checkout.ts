import type Stripe from "stripe";
import { newCustomer } from "./customers.ts";
import { badRequest, cardDeclined, invalidParam, missingParam } from "./errors.ts";
import { emit } from "./events.ts";
import { listOf } from "./list.ts";
import { mergeMetadata } from "./params.ts";
import { attachPaymentMethod, checkAttachable } from "./payment-methods.ts";
import { unitAmountOf } from "./prices.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { usablePrice } from "./subscription-changes.ts";
import { createSubscription } from "./subscription-lifecycle.ts";
import { TEST_CARDS } from "./test-cards.ts";
import { DAY, idOf, newId } from "./wire.ts";

/**
 * Checkout sessions: create (`mode=subscription` with `line_items`, `subscription_data`),
 * retrieve, list, expire; the session's `url` is a page on this server. Completing one is
 * `POST /v1/test_helpers/checkout/sessions/:id/complete` (optional `payment_method`, default
 * `pm_card_visa`), a helper of this server, not Stripe's: it does what a customer paying on the
 * page would, creating the customer if needed, the subscription (its default payment method the
 * card) and `checkout.session.completed`.
 */
export function checkoutRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/checkout/sessions",
      [
        "allow_promotion_codes",
        "cancel_url",
        "client_reference_id",
        "customer",
        "customer_email",
        "line_items",
        "metadata",
        "mode",
        "payment_method_types",
        "subscription_data",
        "success_url",
      ],
      createSession,
    ),
    route("GET", "/v1/checkout/sessions/:id", [], (ctx) =>
      must(ctx.state.checkoutSessions, "checkout session", ctx.id),
    ),
    route(
      "GET",
      "/v1/checkout/sessions",
      [...LIST_PARAMS, "customer", "status", "subscription"],
      ({ state, params, url }) => {
        const customer = params.str("customer");
        const status = params.str("status");
        const subscription = params.str("subscription");
        const found = [...state.checkoutSessions.values()].filter(
          (s) =>
            (customer === undefined || s.customer === customer) &&
            (status === undefined || s.status === status) &&
            (subscription === undefined || s.subscription === subscription),
        );
        return listOf(found, params, url);
      },
    ),
    route("POST", "/v1/checkout/sessions/:id/expire", [], ({ state, id }) => {
      const session = openSession(state, id);
      session.status = "expired";
      session.url = null;
      emit(state, "checkout.session.expired", session, state.realNow());
      return session;
    }),
    route("POST", "/v1/test_helpers/checkout/sessions/:id/complete", ["payment_method"], complete),
  ];
}

function createSession({ state, params }: RouteContext): Stripe.Checkout.Session {
  const mode = params.oneOf("mode", ["payment", "setup", "subscription"]);
  if (mode === undefined) throw missingParam("mode");
  const customerId = params.str("customer") ?? null;
  const customer =
    customerId === null ? null : must(state.customers, "customer", customerId, "customer");
  const email = params.str("customer_email") ?? null;
  if (customer !== null && email !== null) {
    throw invalidParam(
      "customer_email",
      "You may only specify one of these parameters: customer, customer_email.",
    );
  }
  const items = params.list("line_items").map((p) => ({
    price:
      mode === "subscription"
        ? usablePrice(state, null, p.required("price"), p.name("price"))
        : must(state.prices, "price", p.required("price"), p.name("price")),
    quantity: p.int("quantity") ?? 1,
  }));
  if (mode !== "setup" && items.length === 0) throw missingParam("line_items");
  const data = params.obj("subscription_data");
  const trialDays = data?.int("trial_period_days") ?? 0;
  const subtotal = items.reduce(
    (sum, i) => sum + Math.round(unitAmountOf(i.price) * i.quantity),
    0,
  );
  const total = trialDays > 0 ? 0 : subtotal;
  const at = state.now(customer === null ? null : state.clockOf(customer.id));
  const id = newId("cs_test", 58);
  const session: Stripe.Checkout.Session = {
    id,
    object: "checkout.session",
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: params.bool("allow_promotion_codes") ?? null,
    allowed_payment_method_types: null,
    amount_subtotal: mode === "setup" ? null : total,
    amount_total: mode === "setup" ? null : total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: params.str("cancel_url") ?? null,
    client_reference_id: params.str("client_reference_id") ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: at,
    currency: items[0]?.price.currency ?? null,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: customer?.id ?? null,
    customer_account: null,
    customer_creation: customer === null && mode !== "subscription" ? "if_required" : null,
    customer_details: customer === null ? null : detailsOf(customer),
    customer_email: email,
    discounts: [],
    expires_at: at + DAY,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: mergeMetadata({}, params.metadata()),
    mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: null,
    payment_method_options: null,
    payment_method_types:
      params.strings("payment_method_types").length > 0
        ? params.strings("payment_method_types")
        : ["card"],
    payment_status: total === 0 && mode !== "payment" ? "no_payment_required" : "unpaid",
    permissions: null,
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "open",
    submit_type: null,
    subscription: null,
    success_url: params.str("success_url") ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted_page",
    url: `${state.baseUrl}/checkout/${id}`,
    wallet_options: null,
  };
  state.checkoutSessions.set(id, session);
  state.checkoutCarts.set(id, {
    items,
    trialDays,
    subscriptionMetadata: mergeMetadata({}, data?.metadata()),
  });
  return session;
}

function complete({ state, params, id }: RouteContext): Stripe.Checkout.Session {
  const session = openSession(state, id);
  const cart = must(state.checkoutCarts, "checkout session", id);
  const token = params.str("payment_method") ?? "pm_card_visa";
  checkAttachable(token);
  if ((session.amount_total ?? 0) > 0 && TEST_CARDS[token]?.declinesCharges === true)
    throw cardDeclined();
  const existing = idOf(session.customer);
  const customer =
    existing === null
      ? newCheckoutCustomer(
          state,
          session.customer_email ?? `${id.slice(-8).toLowerCase()}@example.com`,
        )
      : must(state.customers, "customer", existing);
  const at = state.now(state.clockOf(customer.id));
  const pm =
    TEST_CARDS[token] === undefined
      ? token
      : attachPaymentMethod(state, token, customer, at, "payment_method").id;
  session.customer = customer.id;
  session.customer_details = detailsOf(customer);
  if (session.mode === "subscription") {
    const subscription = createSubscription(
      state,
      {
        customer,
        items: cart.items.map((i) => ({ ...i, metadata: {} })),
        trialEnd: cart.trialDays > 0 ? at + cart.trialDays * DAY : null,
        metadata: cart.subscriptionMetadata,
        defaultPaymentMethod: pm,
        description: null,
        paymentBehavior: "error_if_incomplete",
        missingPaymentMethod: "create_invoice",
        cancelAtPeriodEnd: false,
      },
      at,
    );
    session.subscription = subscription.id;
    session.invoice = idOf(subscription.latest_invoice);
  } else if (session.mode === "setup") {
    customer.invoice_settings.default_payment_method = pm;
  }
  session.status = "complete";
  session.payment_status = (session.amount_total ?? 0) > 0 ? "paid" : "no_payment_required";
  session.url = null;
  emit(state, "checkout.session.completed", session, at);
  return session;
}

function openSession(state: StripeState, id: string): Stripe.Checkout.Session {
  const session = must(state.checkoutSessions, "checkout session", id);
  if (session.status !== "open")
    throw badRequest(`This Checkout Session is no longer open (${session.status}).`);
  return session;
}

function newCheckoutCustomer(state: StripeState, email: string): Stripe.Customer {
  const at = state.realNow();
  const customer = newCustomer(at, {
    description: null,
    email,
    metadata: {},
    name: null,
    phone: null,
    test_clock: null,
  });
  state.customers.set(customer.id, customer);
  emit(state, "customer.created", customer, at);
  return customer;
}

function detailsOf(customer: Stripe.Customer): Stripe.Checkout.Session.CustomerDetails {
  return {
    address: null,
    business_name: null,
    email: customer.email,
    individual_name: null,
    name: customer.name ?? null,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  };
}
