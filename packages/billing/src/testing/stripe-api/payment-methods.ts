import type Stripe from "stripe";
import { badRequest, cardDeclined, invalidParam, noSuch } from "./errors.ts";
import { emit } from "./events.ts";
import { listOf } from "./list.ts";
import { LIST_PARAMS, type Route, route } from "./router.ts";
import { must, type StripeState } from "./store.ts";
import { TEST_CARDS, type TestCard } from "./test-cards.ts";
import { newId } from "./wire.ts";

/**
 * Payment methods: only Stripe's test tokens (`pm_card_visa`, `pm_card_chargeCustomerFail`, …),
 * each becoming a new `pm_…` when attached to a customer, as in Stripe's test mode.
 */
export function paymentMethodRoutes(): Route[] {
  return [
    route("GET", "/v1/payment_methods/:id", [], (ctx) => {
      const card = TEST_CARDS[ctx.id];
      if (card !== undefined) return newPaymentMethod(ctx.state, card, ctx.state.realNow());
      return must(ctx.state.paymentMethods, "payment_method", ctx.id);
    }),
    route("POST", "/v1/payment_methods/:id/attach", ["customer"], (ctx) => {
      const customer = must(
        ctx.state.customers,
        "customer",
        ctx.params.required("customer"),
        "customer",
      );
      const at = ctx.state.now(ctx.state.clockOf(customer.id));
      return attachPaymentMethod(ctx.state, ctx.id, customer, at, "payment_method");
    }),
    route("POST", "/v1/payment_methods/:id/detach", [], (ctx) => {
      const pm = must(ctx.state.paymentMethods, "payment_method", ctx.id);
      const customerId = typeof pm.customer === "string" ? pm.customer : null;
      if (customerId === null) {
        throw badRequest("The payment method you provided is not attached to a customer.");
      }
      pm.customer = null;
      const customer = ctx.state.customers.get(customerId);
      if (customer !== undefined && customer.invoice_settings.default_payment_method === pm.id) {
        customer.invoice_settings.default_payment_method = null;
      }
      emit(ctx.state, "payment_method.detached", pm, ctx.state.now(ctx.state.clockOf(customerId)));
      return pm;
    }),
    route("GET", "/v1/customers/:id/payment_methods", [...LIST_PARAMS, "type"], (ctx) => {
      must(ctx.state.customers, "customer", ctx.id);
      const attached = [...ctx.state.paymentMethods.values()].filter(
        (pm) => pm.customer === ctx.id,
      );
      return listOf(attached, ctx.params, ctx.url);
    }),
  ];
}

/**
 * Attaches `ref` (a test token or a `pm_…`) to `customer` and returns the payment method.
 * @throws StripeApiError 402 `card_declined` for a token whose card declines attaching; 400 for
 *   a payment method attached elsewhere or an unknown token.
 */
export function attachPaymentMethod(
  state: StripeState,
  ref: string,
  customer: Stripe.Customer,
  at: number,
  param: string,
): Stripe.PaymentMethod {
  const card = TEST_CARDS[ref];
  if (card !== undefined) {
    if (card.declinesAttach) throw cardDeclined();
    const pm = newPaymentMethod(state, card, at);
    pm.customer = customer.id;
    const tokens = state.tokens.get(customer.id) ?? new Map<string, string>();
    tokens.set(ref, pm.id);
    state.tokens.set(customer.id, tokens);
    emit(state, "payment_method.attached", pm, at);
    return pm;
  }
  const pm = must(state.paymentMethods, "payment_method", ref, param);
  if (pm.customer === customer.id) return pm;
  if (pm.customer !== null) {
    throw badRequest("The payment method you provided has already been attached to a customer.");
  }
  pm.customer = customer.id;
  emit(state, "payment_method.attached", pm, at);
  return pm;
}

/**
 * The id of the payment method `ref` (a `pm_…`, or a test token attached before) of customer
 * `customerId`.
 * @throws StripeApiError 400 when the customer has no such payment method.
 */
export function customerPaymentMethod(
  state: StripeState,
  customerId: string,
  ref: string,
  param: string,
): string {
  const id = state.tokens.get(customerId)?.get(ref) ?? ref;
  const pm = state.paymentMethods.get(id);
  if (pm === undefined && TEST_CARDS[ref] === undefined) throw noSuch("PaymentMethod", ref, param);
  if (pm === undefined || pm.customer !== customerId) {
    throw invalidParam(
      param,
      `The customer does not have a payment method with the ID ${ref}. The payment method must be attached to the customer.`,
      "resource_missing",
    );
  }
  return pm.id;
}

/** Checks a token can be attached before anything is created with it. */
export function checkAttachable(ref: string): void {
  if (TEST_CARDS[ref]?.declinesAttach === true) throw cardDeclined();
}

/** True when a charge on payment method `id` succeeds; false for none or a failing card. */
export function chargeSucceeds(state: StripeState, id: string | null): boolean {
  if (id === null) return false;
  const card = state.cards.get(id);
  return card !== undefined && !card.declinesCharges;
}

function newPaymentMethod(state: StripeState, card: TestCard, at: number): Stripe.PaymentMethod {
  const pm: Stripe.PaymentMethod = {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
      country: "US",
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(at * 1000).getUTCFullYear() + 3,
      fingerprint: `fp_${card.last4}${card.brand}`,
      funding: "credit",
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: at,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
  state.paymentMethods.set(pm.id, pm);
  state.cards.set(pm.id, card);
  return pm;
}
