import type Stripe from "stripe";
import { badRequest, invalidParam, missingParam } from "./errors.ts";
import { listOf } from "./list.ts";
import { mergeMetadata, type Params } from "./params.ts";
import { customerPaymentMethod } from "./payment-methods.ts";
import { LIST_PARAMS, type Route, type RouteContext, route } from "./router.ts";
import { customerIdOf, must } from "./store.ts";
import { usablePrice } from "./subscription-changes.ts";
import { cancelSubscription, createSubscription } from "./subscription-lifecycle.ts";
import { ENDED, PAYMENT_BEHAVIORS, updateSubscription } from "./subscription-update.ts";
import { DAY } from "./wire.ts";

/** Subscriptions and their items: create, retrieve, list, update, cancel. */
export function subscriptionRoutes(): Route[] {
  return [
    route(
      "POST",
      "/v1/subscriptions",
      [
        "cancel_at_period_end",
        "collection_method",
        "currency",
        "customer",
        "default_payment_method",
        "description",
        "items",
        "metadata",
        "off_session",
        "payment_behavior",
        "payment_settings",
        "proration_behavior",
        "trial_end",
        "trial_from_plan",
        "trial_period_days",
        "trial_settings",
      ],
      create,
    ),
    route("GET", "/v1/subscriptions/:id", [], (ctx) =>
      must(ctx.state.subscriptions, "subscription", ctx.id),
    ),
    route(
      "POST",
      "/v1/subscriptions/:id",
      [
        "cancel_at",
        "cancel_at_period_end",
        "cancellation_details",
        "default_payment_method",
        "description",
        "items",
        "metadata",
        "off_session",
        "payment_behavior",
        "proration_behavior",
        "proration_date",
        "trial_end",
      ],
      updateSubscription,
    ),
    route(
      "DELETE",
      "/v1/subscriptions/:id",
      ["cancellation_details", "invoice_now", "prorate"],
      cancel,
    ),
    route(
      "GET",
      "/v1/subscriptions",
      [...LIST_PARAMS, "customer", "price", "status", "test_clock"],
      list,
    ),
    route(
      "GET",
      "/v1/subscription_items",
      [...LIST_PARAMS, "subscription"],
      ({ state, params, url }) => {
        const sub = must(
          state.subscriptions,
          "subscription",
          params.required("subscription"),
          "subscription",
        );
        return listOf(sub.items.data, params, url);
      },
    ),
    route("GET", "/v1/subscription_items/:id", [], (ctx) =>
      must(ctx.state.subscriptionItems(), "subscription item", ctx.id),
    ),
  ];
}

function create({ state, params }: RouteContext): Stripe.Subscription {
  const customer = must(state.customers, "customer", params.required("customer"), "customer");
  const method = params.oneOf("collection_method", ["charge_automatically", "send_invoice"]);
  if (method === "send_invoice") {
    throw invalidParam(
      "collection_method",
      "This server only supports collection_method=charge_automatically.",
    );
  }
  const at = state.now(state.clockOf(customer.id));
  const itemParams = params.list("items");
  if (itemParams.length === 0) throw missingParam("items");
  const items = itemParams.map((p) => ({
    price: usablePrice(state, null, p.required("price"), p.name("price")),
    quantity: p.int("quantity") ?? 1,
    metadata: mergeMetadata({}, p.metadata()),
  }));
  const pmRef = params.str("default_payment_method");
  const missing = params
    .obj("trial_settings")
    ?.obj("end_behavior")
    ?.oneOf("missing_payment_method", ["cancel", "create_invoice"]);
  return createSubscription(
    state,
    {
      customer,
      items,
      trialEnd: trialEndOf(params, at, items[0]?.price ?? null),
      metadata: mergeMetadata({}, params.metadata()),
      defaultPaymentMethod:
        pmRef === undefined || pmRef === ""
          ? null
          : customerPaymentMethod(state, customer.id, pmRef, "default_payment_method"),
      description: params.str("description") || null,
      paymentBehavior: params.oneOf("payment_behavior", PAYMENT_BEHAVIORS) ?? "allow_incomplete",
      missingPaymentMethod: missing ?? "create_invoice",
      cancelAtPeriodEnd: params.bool("cancel_at_period_end") ?? false,
    },
    at,
  );
}

function trialEndOf(params: Params, at: number, price: Stripe.Price | null): number | null {
  const trialEnd = params.str("trial_end");
  if (trialEnd === "now") return null;
  if (trialEnd !== undefined && trialEnd !== "") {
    const end = params.requiredInt("trial_end");
    if (end <= at)
      throw invalidParam(
        "trial_end",
        "Invalid timestamp: must be an integer Unix timestamp in the future.",
      );
    return end;
  }
  const days =
    params.int("trial_period_days") ??
    (params.bool("trial_from_plan") === true ? price?.recurring?.trial_period_days : undefined) ??
    0;
  if (days < 0)
    throw invalidParam("trial_period_days", "This value must be greater than or equal to 0.");
  return days === 0 ? null : at + days * DAY;
}

function cancel({ state, params, id }: RouteContext): Stripe.Subscription {
  const sub = must(state.subscriptions, "subscription", id);
  if (ENDED.has(sub.status)) {
    throw badRequest(`A canceled subscription can't be canceled again (${sub.id}).`);
  }
  const at = state.now(state.clockOf(customerIdOf(sub)));
  const feedback = params.obj("cancellation_details");
  if (feedback !== undefined && sub.cancellation_details !== null) {
    sub.cancellation_details.comment = feedback.str("comment") ?? null;
  }
  cancelSubscription(state, sub, at, "cancellation_requested", {
    prorate: params.bool("prorate") ?? false,
    invoiceNow: params.bool("invoice_now") ?? false,
  });
  return sub;
}

function list({ state, params, url }: RouteContext): Stripe.ApiList<Stripe.Subscription> {
  const customer = params.str("customer");
  const price = params.str("price");
  const clock = params.str("test_clock");
  const status = params.str("status");
  const statusOk = (s: Stripe.Subscription.Status) =>
    status === "all" || (status === undefined ? !ENDED.has(s) : s === status);
  const found = [...state.subscriptions.values()].filter(
    (s) =>
      statusOk(s.status) &&
      (customer === undefined || s.customer === customer) &&
      (clock === undefined || s.test_clock === clock) &&
      (price === undefined || s.items.data.some((i) => i.price.id === price)),
  );
  return listOf(found, params, url);
}
