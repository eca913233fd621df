import type { Logger } from "@kamiyo/core";
import type { Db, Queryable } from "@kamiyo/db";
import type Stripe from "stripe";
import { markInvoicesPaid } from "../invoices.ts";
import {
  applySubscription,
  idOf,
  lockSubscription,
  paymentFailed,
  paymentSucceeded,
  tenantOfCustomer,
} from "./stripe-sync.ts";

/** What handling one event did. */
export interface EventOutcome {
  outcome: "applied" | "duplicate" | "ignored";
  /** The tenant it changed, if any (its cached entitlements are stale). */
  tenantId: string | null;
}

/**
 * Verifies a webhook delivery with the SDK (`Stripe-Signature` over the raw body with the
 * endpoint's secret; constant-time compare, 5-minute tolerance).
 * @throws Stripe's signature error (the route answers 400 and changes nothing).
 */
export function verifyStripeEvent(
  stripe: Stripe,
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): Stripe.Event {
  return stripe.webhooks.constructEvent(rawBody, signature ?? "", secret);
}

/**
 * Applies one verified event, once per event id, robust to events arriving twice or out of order:
 * state is taken from the newest object, retrieved from Stripe, never from the event's copy. A
 * subscription event sets the tenant's subscription; `invoice.payment_failed` counts the invoice's
 * failed attempts (the third suspends the tenant); `invoice.paid` and `invoice.payment_succeeded`
 * reinstate it and mark its open invoices paid. The event id is recorded in the same
 * transaction as its effect, so a failure leaves it to Stripe's retry.
 */
export async function handleStripeEvent(
  deps: { db: Db; stripe: Stripe; log: Logger; now: () => number },
  event: Stripe.Event,
): Promise<EventOutcome> {
  const { db, stripe, log, now } = deps;
  const duplicate: EventOutcome = { outcome: "duplicate", tenantId: null };
  const ignored: EventOutcome = { outcome: "ignored", tenantId: null };
  // A known event costs no call to Stripe; one that races past this is caught by `once`.
  const seen = await db.query("SELECT 1 FROM stripe_events WHERE event_id = $1", [event.id]);
  if (seen.length > 0) return duplicate;
  /** Records the event and applies it in one transaction; a second delivery that raced it does nothing. */
  const once = (apply: (tx: Queryable) => Promise<EventOutcome>) =>
    db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO stripe_events (event_id, type, received_at) VALUES ($1, $2, $3)
         ON CONFLICT (event_id) DO NOTHING RETURNING 1`,
        [event.id, event.type, new Date(now())],
      );
      return inserted.length > 0 ? apply(tx) : duplicate;
    });
  switch (event.type) {
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.trial_will_end": {
      return once(async (tx) => {
        // Read under the subscription's lock: a plan change applied meanwhile is not undone.
        await lockSubscription(tx, event.data.object.id);
        const fresh = await stripe.subscriptions.retrieve(event.data.object.id);
        const tenant = await applySubscription(tx, fresh, now());
        if (!tenant) log.warn({ event: event.id }, "Stripe event for a customer we do not know");
        if (event.type === "customer.subscription.trial_will_end" && tenant)
          log.info(
            { tenantId: tenant, trialEnd: fresh.trial_end },
            "a tenant's trial ends in three days",
          );
        return { outcome: tenant ? "applied" : "ignored", tenantId: tenant };
      });
    }
    case "invoice.paid":
    case "invoice.payment_succeeded":
    case "invoice.payment_failed": {
      const id = event.data.object.id;
      if (!id) return ignored;
      const invoice = await stripe.invoices.retrieve(id);
      const customer = idOf(invoice.customer);
      return once(async (tx) => {
        const tenant = customer ? await tenantOfCustomer(tx, customer) : null;
        if (!tenant) return ignored;
        if (invoice.status === "paid") {
          // Whatever the event says, the invoice is paid now: a late failure changes nothing.
          await paymentSucceeded(tx, tenant, now());
          await markInvoicesPaid(tx, tenant, now());
          return { outcome: "applied", tenantId: tenant };
        }
        if (event.type !== "invoice.payment_failed") return ignored;
        const suspended = await paymentFailed(tx, tenant, invoice.attempt_count, now());
        if (suspended)
          log.warn(
            { tenantId: tenant, attempts: invoice.attempt_count },
            "tenant suspended after failed payments",
          );
        return { outcome: "applied", tenantId: tenant };
      });
    }
    default:
      return once(async () => ignored);
  }
}
