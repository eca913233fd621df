import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { startHarness, utc } from "./harness.ts";
import type { StripeApiServerOptions } from "./options.ts";

const DAY = 86_400;
const HOUR = 3_600;
const START = utc(2026, 8, 3, 12);
const TRIAL_END = START + 7 * DAY;

/** A customer whose card fails every charge, on a 7-day trial that then has to be paid. */
async function failingSubscription(opts: StripeApiServerOptions = {}) {
  const h = await startHarness(opts);
  const { stripe } = h;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: START });
  const customer = await stripe.customers.create({
    test_clock: clock.id,
    payment_method: "pm_card_chargeCustomerFail",
    invoice_settings: { default_payment_method: "pm_card_chargeCustomerFail" },
  });
  const price = await stripe.prices.create({
    product_data: { name: "Intel Pro" },
    currency: "usd",
    unit_amount: 9900,
    recurring: { interval: "month" },
  });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    trial_period_days: 7,
  });
  return { ...h, clock: clock.id, customer, price, sub };
}

function failures(events: readonly Stripe.Event[]) {
  return events
    .filter((e): e is Stripe.InvoicePaymentFailedEvent => e.type === "invoice.payment_failed")
    .map((e) => ({
      at: e.created,
      attempt: e.data.object.attempt_count,
      next: e.data.object.next_payment_attempt,
    }));
}

describe("a failing card and the retry schedule", () => {
  it("fails at the trial's end, retries 3, 5 and 7 days later, then cancels (Stripe's default)", async () => {
    const { server, stripe, clock, sub } = await failingSubscription();
    try {
      const first = TRIAL_END + HOUR;
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: first });
      const pastDue = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
      expect(pastDue.status).toBe("past_due");
      const invoice = pastDue.latest_invoice as Stripe.Invoice;
      expect([
        invoice.status,
        invoice.attempt_count,
        invoice.attempted,
        invoice.amount_paid,
      ]).toEqual(["open", 1, true, 0]);
      expect(invoice.next_payment_attempt).toBe(first + 3 * DAY);

      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: first + 20 * DAY });
      expect(failures(server.events())).toEqual([
        { at: first, attempt: 1, next: first + 3 * DAY },
        { at: first + 3 * DAY, attempt: 2, next: first + 8 * DAY },
        { at: first + 8 * DAY, attempt: 3, next: first + 15 * DAY },
        { at: first + 15 * DAY, attempt: 4, next: null },
      ]);
      const ended = await stripe.subscriptions.retrieve(sub.id);
      expect(ended.status).toBe("canceled");
      expect(ended.ended_at).toBe(first + 15 * DAY);
      expect(ended.cancellation_details?.reason).toBe("payment_failed");
      const last = await stripe.invoices.retrieve(invoice.id);
      expect([last.status, last.attempt_count, last.next_payment_attempt]).toEqual([
        "open",
        4,
        null,
      ]);
      const statuses = server
        .events()
        .filter((e) => e.type.startsWith("customer.subscription."))
        .map((e) => `${e.type.slice(22)}:${(e.data.object as Stripe.Subscription).status}`);
      expect(statuses).toEqual([
        "created:trialing",
        "trial_will_end:trialing",
        "updated:active",
        "updated:past_due",
        "deleted:canceled",
      ]);
      expect(
        (await stripe.customers.retrieve(ended.customer as string)) as Stripe.Customer,
      ).toMatchObject({
        delinquent: true,
      });
    } finally {
      await server.close();
    }
  });

  it("follows a configured schedule and end state (unpaid)", async () => {
    const { server, stripe, clock, sub } = await failingSubscription({
      retries: { delaysDays: [1, 2], onExhausted: "unpaid" },
    });
    try {
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: TRIAL_END + 10 * DAY });
      const first = TRIAL_END + HOUR;
      expect(failures(server.events()).map((f) => [f.attempt, f.at])).toEqual([
        [1, first],
        [2, first + DAY],
        [3, first + 3 * DAY],
      ]);
      expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("unpaid");
    } finally {
      await server.close();
    }
  });

  it("recovers when the customer fixes the card before the next retry", async () => {
    const { server, stripe, clock, customer, sub } = await failingSubscription();
    try {
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: TRIAL_END + 2 * HOUR });
      const visa = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id });
      expect(visa.id).toMatch(/^pm_/);
      expect(visa.card?.last4).toBe("4242");
      await stripe.customers.update(customer.id, {
        invoice_settings: { default_payment_method: visa.id },
      });
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: TRIAL_END + 4 * DAY });
      const active = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
      expect(active.status).toBe("active");
      const invoice = active.latest_invoice as Stripe.Invoice;
      expect([invoice.status, invoice.attempt_count, invoice.amount_paid]).toEqual([
        "paid",
        2,
        9900,
      ]);
    } finally {
      await server.close();
    }
  });

  it("a manual pay with the failing card is a 402 card_declined that still counts the attempt", async () => {
    const { server, stripe, clock, sub } = await failingSubscription();
    try {
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: TRIAL_END + 2 * HOUR });
      const latest = (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string;
      const error = await stripe.invoices.pay(latest).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({
        statusCode: 402,
        code: "card_declined",
        decline_code: "generic_decline",
      });
      expect((await stripe.invoices.retrieve(latest)).attempt_count).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("a first payment that fails leaves the subscription incomplete (expiring in 23 h), or refuses it", async () => {
    const { server, stripe, clock, customer, price } = await failingSubscription();
    try {
      const incomplete = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        expand: ["latest_invoice"],
      });
      expect(incomplete.status).toBe("incomplete");
      const invoice = incomplete.latest_invoice as Stripe.Invoice;
      expect([invoice.status, invoice.attempt_count, invoice.next_payment_attempt]).toEqual([
        "open",
        1,
        null,
      ]);
      const refused = await stripe.subscriptions
        .create({
          customer: customer.id,
          items: [{ price: price.id }],
          payment_behavior: "error_if_incomplete",
        })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ statusCode: 402, code: "card_declined" });
      const subs = await stripe.subscriptions.list({ customer: customer.id, status: "all" });
      expect(subs.data).toHaveLength(2);
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: START + 23 * HOUR });
      const expired = await stripe.subscriptions.retrieve(incomplete.id);
      expect([expired.status, expired.ended_at]).toEqual(["incomplete_expired", START + 23 * HOUR]);
      expect((await stripe.invoices.retrieve(invoice.id)).status).toBe("void");
    } finally {
      await server.close();
    }
  });
});
