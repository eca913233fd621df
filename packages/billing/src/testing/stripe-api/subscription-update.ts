import type Stripe from "stripe";
import { badRequest, cardDeclined } from "./errors.ts";
import { emitUpdated, snapshot } from "./events.ts";
import { pendingItems } from "./invoice-items.ts";
import { mergeMetadata, type Params } from "./params.ts";
import { chargeSucceeds, customerPaymentMethod } from "./payment-methods.ts";
import type { RouteContext } from "./router.ts";
import { customerIdOf, customerOf, must } from "./store.ts";
import {
  applyItemChanges,
  createProrationItems,
  PRORATION_BEHAVIORS,
  planItemChanges,
} from "./subscription-changes.ts";
import { feeLines, feeLinesOf, invoiceSubscription } from "./subscription-invoices.ts";
import { bookkeepingOf, collectNow, endTrial } from "./subscription-lifecycle.ts";
import { firstItem, periodOf } from "./subscription-objects.ts";
import { idOf } from "./wire.ts";

/** `payment_behavior` values this server implements. */
export const PAYMENT_BEHAVIORS = [
  "allow_incomplete",
  "default_incomplete",
  "error_if_incomplete",
] as const;

/** Subscriptions that have ended: only their metadata can change. */
export const ENDED = new Set(["canceled", "incomplete_expired"]);

/**
 * Updates a subscription: switches or adds items with prorations (`create_prorations` leaves them
 * pending for the next invoice, `always_invoice` invoices and charges them now, `none` makes
 * none), ends a trial (`trial_end=now`), schedules or undoes a cancellation, sets metadata.
 */
export function updateSubscription({ state, params, id }: RouteContext): Stripe.Subscription {
  const sub = must(state.subscriptions, "subscription", id);
  if (ENDED.has(sub.status)) {
    const allowed = params
      .keys()
      .every((k) => k === "metadata" || k === "cancellation_details" || k === "expand");
    if (!allowed)
      throw badRequest(
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
  }
  const at = state.now(state.clockOf(customerIdOf(sub)));
  const behavior = params.oneOf("proration_behavior", PRORATION_BEHAVIORS) ?? "create_prorations";
  const prorationDate = params.int("proration_date") ?? at;
  const plan = planItemChanges(state, sub, params.list("items"), prorationDate, behavior);
  const pmRef = params.str("default_payment_method");
  const defaultPm =
    pmRef === undefined || pmRef === ""
      ? pmRef
      : customerPaymentMethod(state, customerIdOf(sub), pmRef, "default_payment_method");
  const trialEnd = params.str("trial_end");
  const endTrialNow = trialEnd === "now" && sub.status === "trialing";
  const paymentBehavior = params.oneOf("payment_behavior", PAYMENT_BEHAVIORS) ?? "allow_incomplete";
  const chargesNow =
    plan.resetsCycle || (behavior === "always_invoice" && plan.prorations.length > 0);
  if (paymentBehavior === "error_if_incomplete" && chargesNow) {
    const due =
      plan.prorations.reduce((sum, p) => sum + p.amount, 0) +
      pendingItems(state, customerIdOf(sub), sub.id, true).reduce((sum, i) => sum + i.amount, 0) +
      (plan.resetsCycle
        ? feeLinesOf(state, plan.resulting, { start: at, end: at }).reduce(
            (s, l) => s + l.amount,
            0,
          )
        : 0);
    const customer = customerOf(state, sub);
    const pm =
      (defaultPm === undefined || defaultPm === "" ? null : defaultPm) ??
      idOf(sub.default_payment_method) ??
      idOf(customer.invoice_settings.default_payment_method);
    if (due > 0 && !chargeSucceeds(state, pm)) throw cardDeclined();
  }
  const before = snapshot(sub);

  if (plan.changes.length > 0) {
    if (behavior !== "none") createProrationItems(state, sub, plan, at);
    applyItemChanges(state, sub, plan, at);
  }
  if (defaultPm !== undefined) sub.default_payment_method = defaultPm === "" ? null : defaultPm;
  if (params.has("description")) sub.description = params.str("description") || null;
  sub.metadata = mergeMetadata(sub.metadata, params.metadata());
  if (trialEnd !== undefined && trialEnd !== "now" && sub.status === "trialing") {
    sub.trial_end = params.requiredInt("trial_end");
    const bookkeeping = bookkeepingOf(state, sub);
    bookkeeping.anchor = sub.trial_end;
    bookkeeping.trialWillEndSent = false;
    sub.billing_cycle_anchor = sub.trial_end;
    for (const item of sub.items.data) item.current_period_end = sub.trial_end;
  }
  scheduleCancellation(sub, params, at);
  const feedback = params.obj("cancellation_details");
  if (feedback !== undefined && sub.cancellation_details !== null) {
    sub.cancellation_details.comment = feedback.str("comment") ?? sub.cancellation_details.comment;
  }

  if (endTrialNow) {
    endTrial(state, sub, at, "now", before);
    return sub;
  }
  emitUpdated(state, "customer.subscription.updated", sub, before, at);
  if (plan.resetsCycle) {
    const period = periodOf(firstItem(sub));
    const pending = pendingItems(state, customerIdOf(sub), sub.id, true);
    const invoice = invoiceSubscription(
      state,
      sub,
      at,
      "subscription_update",
      feeLines(state, sub, period),
      pending,
      period,
    );
    collectNow(state, invoice, at);
  } else if (chargesNow) {
    const pending = pendingItems(state, customerIdOf(sub), sub.id, true);
    const period = periodOf(firstItem(sub));
    const invoice = invoiceSubscription(state, sub, at, "subscription_update", [], pending, {
      start: prorationDate,
      end: period.end,
    });
    collectNow(state, invoice, at);
  }
  return sub;
}

/** `cancel_at_period_end` / `cancel_at`: Stripe keeps both in step. */
function scheduleCancellation(sub: Stripe.Subscription, params: Params, at: number): void {
  const periodEnd = sub.items.data[0]?.current_period_end ?? at;
  const atPeriodEnd = params.bool("cancel_at_period_end");
  if (atPeriodEnd === true) {
    sub.cancel_at_period_end = true;
    sub.cancel_at = periodEnd;
    sub.canceled_at = at;
  } else if (atPeriodEnd === false) {
    sub.cancel_at_period_end = false;
    sub.cancel_at = null;
    sub.canceled_at = null;
  }
  if (params.has("cancel_at")) {
    const cancelAt = params.int("cancel_at");
    sub.cancel_at = cancelAt ?? null;
    sub.cancel_at_period_end = cancelAt === periodEnd;
    sub.canceled_at = cancelAt === undefined ? null : at;
  }
}
