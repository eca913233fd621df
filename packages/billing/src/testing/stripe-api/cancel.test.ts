import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, utc } from "./harness.ts";

const JUNE_1 = utc(2026, 6, 1);
const JULY_1 = utc(2026, 7, 1);
const JUNE_16 = utc(2026, 6, 16);

describe("cancelling a subscription", () => {
  let h: Harness;
  let price: Stripe.Price;
  beforeAll(async () => {
    h = await startHarness();
    price = await h.stripe.prices.create({
      product_data: { name: "Platform" },
      currency: "usd",
      unit_amount: 3000,
      recurring: { interval: "month" },
    });
  });
  afterAll(async () => {
    await h.server.close();
  });

  async function subscribed() {
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: JUNE_1 });
    const customer = await h.stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });
    return { clock: clock.id, customer, sub };
  }

  it("at period end: stays active until then, then ends without a renewal invoice", async () => {
    const { stripe } = h;
    const { clock, customer, sub } = await subscribed();
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: JUNE_16 });
    const scheduled = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(scheduled.status).toBe("active");
    expect(scheduled.cancel_at_period_end).toBe(true);
    expect(scheduled.cancel_at).toBe(JULY_1);
    expect(scheduled.canceled_at).toBe(JUNE_16);
    const change = (await stripe.events.list({ type: "customer.subscription.updated", limit: 1 }))
      .data[0] as Stripe.CustomerSubscriptionUpdatedEvent;
    expect(change.data.previous_attributes).toMatchObject({
      cancel_at_period_end: false,
      cancel_at: null,
    });

    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: JULY_1 - 1 });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active");
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: JULY_1 + 86_400 });
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended.status).toBe("canceled");
    expect(ended.ended_at).toBe(JULY_1);
    expect(ended.canceled_at).toBe(JUNE_16);
    expect(ended.cancellation_details?.reason).toBe("cancellation_requested");
    const invoices = await stripe.invoices.list({ customer: customer.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(["subscription_create"]);
    const deleted = await stripe.events.list({ type: "customer.subscription.deleted", limit: 1 });
    expect(deleted.data[0]?.created).toBe(JULY_1);
    expect((deleted.data[0] as Stripe.CustomerSubscriptionDeletedEvent).data.object.id).toBe(
      sub.id,
    );
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([]);
    const all = await stripe.subscriptions.list({ customer: customer.id, status: "all" });
    expect(all.data.map((s) => s.id)).toEqual([sub.id]);
  });

  it("undoing cancel_at_period_end keeps it renewing", async () => {
    const { stripe } = h;
    const { clock, sub } = await subscribed();
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const kept = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect([kept.cancel_at_period_end, kept.cancel_at, kept.canceled_at]).toEqual([
      false,
      null,
      null,
    ]);
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: JULY_1 + 7_200 });
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe("active");
    expect(renewed.items.data[0]?.current_period_start).toBe(JULY_1);
  });

  it("now: ends at once, and with prorate + invoice_now credits the unused half", async () => {
    const { stripe } = h;
    const plain = await subscribed();
    await stripe.testHelpers.testClocks.advance(plain.clock, { frozen_time: JUNE_16 });
    const canceled = await stripe.subscriptions.cancel(plain.sub.id);
    expect(canceled.status).toBe("canceled");
    expect([canceled.canceled_at, canceled.ended_at]).toEqual([JUNE_16, JUNE_16]);
    expect((await stripe.invoiceItems.list({ customer: plain.customer.id })).data).toEqual([]);
    const again = await stripe.subscriptions.cancel(plain.sub.id).catch((e: unknown) => e);
    expect(again).toMatchObject({ statusCode: 400 });

    const credited = await subscribed();
    await stripe.testHelpers.testClocks.advance(credited.clock, { frozen_time: JUNE_16 });
    await stripe.subscriptions.cancel(credited.sub.id, { prorate: true, invoice_now: true });
    const final = (await stripe.invoices.list({ customer: credited.customer.id, limit: 1 }))
      .data[0] as Stripe.Invoice;
    expect(final.lines.data.map((l) => [l.description, l.amount])).toEqual([
      ["Unused time on Platform after 16 Jun 2026", -1500],
    ]);
    expect([final.total, final.amount_due, final.status, final.ending_balance]).toEqual([
      -1500,
      0,
      "paid",
      -1500,
    ]);
    expect(
      (await stripe.customers.retrieve(credited.customer.id)) as Stripe.Customer,
    ).toMatchObject({
      balance: -1500,
    });
  });
});
