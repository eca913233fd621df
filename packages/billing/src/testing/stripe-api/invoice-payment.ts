import type Stripe from "stripe";
import { badRequest } from "./errors.ts";
import { emit, emitUpdated, snapshot } from "./events.ts";
import { recomputeTotals, subscriptionIdOf } from "./invoice-objects.ts";
import { chargeSucceeds } from "./payment-methods.ts";
import { customerIdOf, customerOf, type StripeState } from "./store.ts";
import { retriesExhausted, setStatus } from "./subscription-lifecycle.ts";
import { DAY, idOf } from "./wire.ts";

/**
 * Finalizes a draft: applies the customer's balance, numbers it, opens it (`invoice.finalized`)
 * and marks it paid at once when nothing is due. Payment is the caller's next step.
 * @throws StripeApiError 400 when the invoice is not a draft.
 */
export function finalizeInvoice(state: StripeState, invoice: Stripe.Invoice, at: number): void {
  if (invoice.status !== "draft") {
    throw badRequest(
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
    );
  }
  const customer = customerOf(state, invoice);
  recomputeTotals(invoice);
  const balance = customer.balance;
  const due = invoice.total + balance;
  invoice.starting_balance = balance;
  invoice.amount_due = Math.max(0, due);
  invoice.amount_remaining = invoice.amount_due;
  invoice.ending_balance = Math.min(0, due);
  if (customer.balance !== invoice.ending_balance) {
    const before = snapshot(customer);
    customer.balance = invoice.ending_balance;
    emitUpdated(state, "customer.updated", customer, before, at);
  }
  const sequence = customer.next_invoice_sequence ?? 1;
  invoice.number = `${customer.invoice_prefix ?? "INV"}-${String(sequence).padStart(4, "0")}`;
  customer.next_invoice_sequence = sequence + 1;
  invoice.status = "open";
  invoice.status_transitions.finalized_at = at;
  invoice.effective_at = at;
  invoice.automatically_finalizes_at = null;
  invoice.hosted_invoice_url = `${state.baseUrl}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${state.baseUrl}/invoices/${invoice.id}/pdf`;
  // A subscription's first invoice is charged at once and never retried automatically.
  invoice.next_payment_attempt =
    invoice.amount_due > 0 &&
    invoice.auto_advance === true &&
    invoice.billing_reason !== "subscription_create"
      ? at + 3_600
      : null;
  emit(state, "invoice.finalized", invoice, at);
  if (invoice.amount_due === 0) markPaid(state, invoice, at);
}

/**
 * Charges an open invoice now, with `paymentMethod` or else the invoice's, its subscription's or
 * its customer's default payment method. On success the invoice is paid; on failure
 * `attempt_count` grows, `invoice.payment_failed` is emitted, the subscription goes past due and
 * the next automatic attempt is scheduled from the retry schedule (none without a payment method,
 * as Stripe does not retry then); when the schedule is used up the subscription takes the
 * configured end state.
 * @returns whether the charge succeeded.
 */
export function attemptPayment(
  state: StripeState,
  invoice: Stripe.Invoice,
  at: number,
  paymentMethod: string | null = null,
): boolean {
  const customer = customerOf(state, invoice);
  const subId = subscriptionIdOf(invoice);
  const subscription = subId === null ? undefined : state.subscriptions.get(subId);
  const pm =
    paymentMethod ??
    idOf(invoice.default_payment_method) ??
    idOf(subscription?.default_payment_method) ??
    idOf(customer.invoice_settings.default_payment_method);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  if (chargeSucceeds(state, pm)) {
    markPaid(state, invoice, at);
    return true;
  }
  const retryable =
    invoice.auto_advance === true &&
    pm !== null &&
    invoice.billing_reason !== "subscription_create";
  const delays = state.options.retryDelaysDays;
  const delay = delays[invoice.attempt_count - 1];
  invoice.next_payment_attempt = retryable && delay !== undefined ? at + delay * DAY : null;
  emit(state, "invoice.payment_failed", invoice, at);
  setDelinquent(state, customer, true, at);
  if (subscription !== undefined && subscription.status === "active") {
    setStatus(state, subscription, "past_due", at);
  }
  if (subscription !== undefined && retryable && invoice.next_payment_attempt === null) {
    retriesExhausted(state, subscription, at);
  }
  return false;
}

/** Marks an open invoice paid (`invoice.paid`, `invoice.payment_succeeded`). */
export function markPaid(state: StripeState, invoice: Stripe.Invoice, at: number): void {
  invoice.status = "paid";
  invoice.attempted = true;
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = at;
  emit(state, "invoice.paid", invoice, at);
  emit(state, "invoice.payment_succeeded", invoice, at);
  const customer = state.customers.get(customerIdOf(invoice));
  if (customer !== undefined) {
    setDelinquent(state, customer, hasFailedOpenInvoice(state, customer.id), at);
  }
  const subId = subscriptionIdOf(invoice);
  const subscription = subId === null ? undefined : state.subscriptions.get(subId);
  if (
    subscription !== undefined &&
    subscription.latest_invoice === invoice.id &&
    (subscription.status === "past_due" ||
      subscription.status === "unpaid" ||
      subscription.status === "incomplete")
  ) {
    setStatus(state, subscription, "active", at);
  }
}

/** Voids an open invoice (`invoice.voided`). */
export function voidInvoice(state: StripeState, invoice: Stripe.Invoice, at: number): void {
  if (invoice.status !== "open" && invoice.status !== "uncollectible") {
    throw badRequest(`You can only void an open invoice (this one is ${invoice.status}).`);
  }
  invoice.status = "void";
  invoice.status_transitions.voided_at = at;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  emit(state, "invoice.voided", invoice, at);
}

/** Marks an open invoice uncollectible (`invoice.marked_uncollectible`). */
export function markUncollectible(state: StripeState, invoice: Stripe.Invoice, at: number): void {
  if (invoice.status !== "open") {
    throw badRequest(
      `You can only mark an open invoice uncollectible (this one is ${invoice.status}).`,
    );
  }
  invoice.status = "uncollectible";
  invoice.status_transitions.marked_uncollectible_at = at;
  invoice.next_payment_attempt = null;
  emit(state, "invoice.marked_uncollectible", invoice, at);
}

/** `delinquent`: the customer's latest charge failed and the invoice is still unpaid. */
function setDelinquent(
  state: StripeState,
  customer: Stripe.Customer,
  delinquent: boolean,
  at: number,
): void {
  if (customer.delinquent === delinquent) return;
  const before = snapshot(customer);
  customer.delinquent = delinquent;
  emitUpdated(state, "customer.updated", customer, before, at);
}

function hasFailedOpenInvoice(state: StripeState, customerId: string): boolean {
  for (const inv of state.invoices.values()) {
    if (inv.customer === customerId && inv.status === "open" && inv.attempt_count > 0) return true;
  }
  return false;
}
