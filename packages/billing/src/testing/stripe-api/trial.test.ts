import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, utc } from "./harness.ts";

const DAY = 86_400;

describe("a 14-day trial on a test clock", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("goes trialing → trial_will_end 3 days before → active with a paid invoice", async () => {
    const { stripe } = h;
    const start = utc(2026, 3, 1, 9);
    const trialEnd = start + 14 * DAY;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: "trial" });
    const customer = await stripe.customers.create({
      email: "trial@example.com",
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    expect(customer.test_clock).toBe(clock.id);
    expect(customer.created).toBe(start);
    const product = await stripe.products.create({ id: "rca_team", name: "RCA Team" });
    const price = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 2900,
      recurring: { interval: "month" },
    });

    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
      metadata: { tenant: "ten_trial" },
      expand: ["latest_invoice"],
    });
    expect(sub.status).toBe("trialing");
    expect(sub.test_clock).toBe(clock.id);
    expect([sub.trial_start, sub.trial_end, sub.billing_cycle_anchor]).toEqual([
      start,
      trialEnd,
      trialEnd,
    ]);
    expect(sub.items.data[0]?.current_period_start).toBe(start);
    expect(sub.items.data[0]?.current_period_end).toBe(trialEnd);
    const first = sub.latest_invoice as Stripe.Invoice;
    expect([first.billing_reason, first.status, first.amount_due]).toEqual([
      "subscription_create",
      "paid",
      0,
    ]);
    expect(first.lines.data.map((l) => l.description)).toEqual(["Trial period for RCA Team"]);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: trialEnd - 3 * DAY - 1 });
    expect(await typesOf(stripe, "customer.subscription.trial_will_end")).toEqual([]);

    const advanced = await stripe.testHelpers.testClocks.advance(clock.id, {
      frozen_time: trialEnd - 3 * DAY,
    });
    // This server completes an advance before answering (Stripe answers "advancing").
    expect(advanced.status).toBe("ready");
    expect(advanced.frozen_time).toBe(trialEnd - 3 * DAY);
    const willEnd = await stripe.events.list({ type: "customer.subscription.trial_will_end" });
    expect(willEnd.data.map((e) => [e.created, (e.data.object as Stripe.Subscription).id])).toEqual(
      [[trialEnd - 3 * DAY, sub.id]],
    );
    expect(willEnd.data[0]?.request).toEqual({ id: null, idempotency_key: null });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("trialing");

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: trialEnd + 2 * 3_600 });
    const active = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] });
    expect(active.status).toBe("active");
    expect(active.items.data[0]?.current_period_start).toBe(trialEnd);
    expect(active.items.data[0]?.current_period_end).toBe(utc(2026, 4, 15, 9));
    const invoice = active.latest_invoice as Stripe.Invoice;
    expect(invoice.billing_reason).toBe("subscription_cycle");
    expect(invoice.status).toBe("paid");
    expect([invoice.amount_due, invoice.amount_paid, invoice.total, invoice.attempt_count]).toEqual(
      [2900, 2900, 2900, 1],
    );
    expect(invoice.attempted).toBe(true);
    expect(invoice.next_payment_attempt).toBeNull();
    expect(invoice.created).toBe(trialEnd);
    expect(invoice.status_transitions.finalized_at).toBe(trialEnd + 3_600);
    expect(invoice.status_transitions.paid_at).toBe(trialEnd + 3_600);
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.parent?.subscription_details?.metadata).toEqual({ tenant: "ten_trial" });
    const line = invoice.lines.data[0];
    expect(line?.description).toBe("1 × RCA Team (at $29.00 / month)");
    expect(line?.period).toEqual({ start: trialEnd, end: utc(2026, 4, 15, 9) });
    expect(line?.parent?.subscription_item_details?.subscription_item).toBe(sub.items.data[0]?.id);
    expect(line?.pricing?.price_details?.price).toBe(price.id);

    const updated = (await stripe.events.list({ type: "customer.subscription.updated" })).data;
    const toActive = updated.find(
      (e) => (e.data.object as Stripe.Subscription).status === "active",
    );
    expect(
      (toActive as Stripe.CustomerSubscriptionUpdatedEvent).data.previous_attributes?.status,
    ).toBe("trialing");

    const all = h.server.events().map((e) => e.type);
    const sequence = all
      .slice(all.indexOf("customer.subscription.trial_will_end"))
      .filter((t) => !t.startsWith("test_helpers"));
    expect(sequence).toEqual([
      "customer.subscription.trial_will_end",
      "invoice.created",
      "customer.subscription.updated",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
  });

  it("ends a trial at once with trial_end=now, charging the first period", async () => {
    const { stripe } = h;
    const start = utc(2026, 6, 10);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const price = await stripe.prices.create({
      product_data: { name: "Shield" },
      currency: "usd",
      unit_amount: 900,
      recurring: { interval: "month" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 30,
    });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 2 * DAY });
    const ended = await stripe.subscriptions.update(sub.id, {
      trial_end: "now",
      expand: ["latest_invoice"],
    });
    expect(ended.status).toBe("active");
    expect(ended.trial_end).toBe(start + 2 * DAY);
    expect(ended.billing_cycle_anchor).toBe(start + 2 * DAY);
    const invoice = ended.latest_invoice as Stripe.Invoice;
    expect([invoice.billing_reason, invoice.status, invoice.amount_paid]).toEqual([
      "subscription_update",
      "paid",
      900,
    ]);
  });
});

async function typesOf(stripe: Stripe, type: string): Promise<string[]> {
  return (await stripe.events.list({ type })).data.map((e) => e.id);
}
