import type Stripe from "stripe";
import { attemptPayment, finalizeInvoice } from "./invoice-payment.ts";
import type { StripeState } from "./store.ts";
import {
  cancelSubscription,
  endTrial,
  expireIncomplete,
  INCOMPLETE_EXPIRES_AFTER,
  renew,
  TRIAL_WILL_END_BEFORE,
  trialWillEnd,
} from "./subscription-lifecycle.ts";
import { idOf } from "./wire.ts";

/** One piece of scheduled billing work. */
interface Due {
  at: number;
  /** Order among work due at the same second. */
  rank: number;
  run: (at: number) => void;
}

/**
 * Runs, in time order, all billing work due up to `until` (epoch seconds) for the objects on test
 * clock `clockId` (null: objects on no clock, on the real clock): trial-will-end notices, trial
 * ends, cancellations at `cancel_at`, renewals, finalizing renewal drafts, payment retries and
 * the expiry of incomplete subscriptions. While a piece runs, the clock reads its due time, so
 * objects and events get the times they would have had.
 */
export function runDue(state: StripeState, clockId: string | null, until: number): void {
  const clock = clockId === null ? undefined : state.testClocks.get(clockId);
  for (let guard = 0; guard < 100_000; guard++) {
    const next = nextDue(state, clockId);
    if (next === null || next.at > until) return;
    if (clock !== undefined && next.at > clock.frozen_time) clock.frozen_time = next.at;
    next.run(next.at);
  }
  throw new Error("runDue: billing work does not settle (a scheduling bug)");
}

function nextDue(state: StripeState, clockId: string | null): Due | null {
  const candidates: Due[] = [];
  for (const sub of state.subscriptions.values()) {
    const due = idOf(sub.test_clock) === clockId ? subscriptionDue(state, sub) : null;
    if (due !== null) candidates.push(due);
  }
  for (const invoice of state.invoices.values()) {
    const due = idOf(invoice.test_clock) === clockId ? invoiceDue(invoice, state) : null;
    if (due !== null) candidates.push(due);
  }
  return earliest(candidates);
}

function earliest(candidates: readonly Due[]): Due | null {
  let best: Due | null = null;
  for (const due of candidates) {
    if (best === null || due.at < best.at || (due.at === best.at && due.rank < best.rank))
      best = due;
  }
  return best;
}

function subscriptionDue(state: StripeState, sub: Stripe.Subscription): Due | null {
  const bookkeeping = state.subscriptionState.get(sub.id);
  const item = sub.items.data[0];
  if (bookkeeping === undefined || item === undefined) return null;
  const cancel = (at: number): Due => ({
    at,
    rank: 1,
    run: (t) => cancelSubscription(state, sub, t, "cancellation_requested"),
  });
  switch (sub.status) {
    case "trialing": {
      const end = sub.trial_end ?? item.current_period_end;
      const options: Due[] = [];
      if (!bookkeeping.trialWillEndSent) {
        options.push({
          at: Math.max(sub.created, end - TRIAL_WILL_END_BEFORE),
          rank: 0,
          run: (at) => trialWillEnd(state, sub, at),
        });
      }
      if (sub.cancel_at !== null && sub.cancel_at <= end) options.push(cancel(sub.cancel_at));
      else options.push({ at: end, rank: 2, run: (at) => endTrial(state, sub, at, "scheduled") });
      return earliest(options);
    }
    case "active":
    case "past_due":
    case "unpaid": {
      const end = item.current_period_end;
      if (sub.cancel_at !== null && sub.cancel_at <= end) return cancel(sub.cancel_at);
      return { at: end, rank: 3, run: (at) => renew(state, sub, at) };
    }
    case "incomplete":
      return {
        at: sub.created + INCOMPLETE_EXPIRES_AFTER,
        rank: 4,
        run: (at) => expireIncomplete(state, sub, at),
      };
    default:
      return null;
  }
}

function invoiceDue(invoice: Stripe.Invoice, state: StripeState): Due | null {
  if (invoice.auto_advance !== true) return null;
  if (invoice.status === "draft" && invoice.automatically_finalizes_at !== null) {
    return {
      at: invoice.automatically_finalizes_at,
      rank: 5,
      run: (at) => {
        finalizeInvoice(state, invoice, at);
        if (invoice.status === "open") attemptPayment(state, invoice, at);
      },
    };
  }
  if (invoice.status === "open" && invoice.next_payment_attempt !== null) {
    return {
      at: invoice.next_payment_attempt,
      rank: 6,
      run: (at) => attemptPayment(state, invoice, at),
    };
  }
  return null;
}
