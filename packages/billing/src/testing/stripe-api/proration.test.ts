import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, utc } from "./harness.ts";
import { prorate, prorations } from "./proration.ts";

/*
 * Stripe's documented example, https://docs.stripe.com/billing/subscriptions/prorations
 * ("How prorations work"): "If a customer upgrades from a 10 USD monthly plan to a 20 USD option
 * halfway through the billing period, the customer is billed an additional 5 USD:
 *   Unused time on original 10 USD plan (credit)  -5 USD
 *   Remaining time on new 20 USD plan (debit)     +10 USD   (total +5 USD)".
 * Halfway, to the second: a subscription started 1 April 2026 bills April (30 days, to 1 May)
 * and is upgraded at 00:00 on 16 April, with 15 of its 30 days left.
 */
const APRIL_1 = utc(2026, 4, 1);
const APRIL_16 = utc(2026, 4, 16);
const MAY_1 = utc(2026, 5, 1);

describe("prorations", () => {
  it("prorate: amount × remaining seconds / period seconds, to the nearest cent", () => {
    expect(prorate(1000, APRIL_1, MAY_1, APRIL_16)).toBe(500);
    expect(prorate(2000, APRIL_1, MAY_1, APRIL_16)).toBe(1000);
    expect(prorate(1000, APRIL_1, MAY_1, utc(2026, 4, 21))).toBe(333);
    expect(prorate(2000, APRIL_1, MAY_1, utc(2026, 4, 21))).toBe(667);
    expect(prorate(1000, APRIL_1, MAY_1, APRIL_1)).toBe(1000);
    expect(prorate(1000, APRIL_1, MAY_1, MAY_1)).toBe(0);
    const pair = prorations(
      { unitAmount: 1000, quantity: 2, name: "Basic" },
      { unitAmount: 2000, quantity: 2, name: "Premium" },
      { start: APRIL_1, end: MAY_1 },
      APRIL_16,
    );
    expect(pair).toEqual([
      { amount: -1000, description: "Unused time on 2 × Basic after 16 Apr 2026", credit: true },
      {
        amount: 2000,
        description: "Remaining time on 2 × Premium after 16 Apr 2026",
        credit: false,
      },
    ]);
  });

  describe("through the API", () => {
    let h: Harness;
    let basic: Stripe.Price;
    let premium: Stripe.Price;
    beforeAll(async () => {
      h = await startHarness();
      await h.stripe.products.create({ id: "basic", name: "Basic" });
      await h.stripe.products.create({ id: "premium", name: "Premium" });
      const monthly = { interval: "month" as const };
      basic = await h.stripe.prices.create({
        product: "basic",
        currency: "usd",
        unit_amount: 1000,
        recurring: monthly,
      });
      premium = await h.stripe.prices.create({
        product: "premium",
        currency: "usd",
        unit_amount: 2000,
        recurring: monthly,
      });
    });
    afterAll(async () => {
      await h.server.close();
    });

    /** A customer on a clock at 1 April with the 10 USD plan, paid. */
    async function subscribed(): Promise<{
      clock: string;
      customer: string;
      sub: Stripe.Subscription;
    }> {
      const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: APRIL_1 });
      const customer = await h.stripe.customers.create({
        test_clock: clock.id,
        payment_method: "pm_card_visa",
        invoice_settings: { default_payment_method: "pm_card_visa" },
      });
      const sub = await h.stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: basic.id }],
      });
      expect(sub.items.data[0]?.current_period_end).toBe(MAY_1);
      return { clock: clock.id, customer: customer.id, sub };
    }

    it("reproduces Stripe's 10 → 20 USD halfway example to the cent, previewed then applied", async () => {
      const { stripe } = h;
      const { clock, customer, sub } = await subscribed();
      const item = sub.items.data[0] as Stripe.SubscriptionItem;
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: APRIL_16 });

      const preview = await stripe.invoices.createPreview({
        customer,
        subscription: sub.id,
        subscription_details: {
          items: [{ id: item.id, price: premium.id }],
          proration_date: APRIL_16,
        },
      });
      expect(preview.id).toMatch(/^upcoming_in_/);
      expect(preview.lines.data.map((l) => [l.description, l.amount])).toEqual([
        ["Unused time on Basic after 16 Apr 2026", -500],
        ["Remaining time on Premium after 16 Apr 2026", 1000],
        ["1 × Premium (at $20.00 / month)", 2000],
      ]);
      const [credit, debit] = preview.lines.data;
      expect(credit?.parent?.subscription_item_details?.proration).toBe(true);
      expect(credit?.period).toEqual({ start: APRIL_16, end: MAY_1 });
      expect(credit?.pricing?.price_details?.price).toBe(basic.id);
      expect(debit?.pricing?.price_details?.price).toBe(premium.id);
      expect(preview.total).toBe(2500);
      expect(preview.parent?.subscription_details?.subscription_proration_date).toBe(APRIL_16);
      // A preview changes nothing.
      expect((await stripe.invoiceItems.list({ customer, pending: true })).data).toEqual([]);

      const upgraded = await stripe.subscriptions.update(sub.id, {
        items: [{ id: item.id, price: premium.id }],
        proration_date: APRIL_16,
      });
      expect(upgraded.items.data.map((i) => [i.id, i.price.id, i.plan.amount])).toEqual([
        [item.id, premium.id, 2000],
      ]);
      const pending = await stripe.invoiceItems.list({ customer, pending: true });
      expect(pending.data.map((i) => [i.description, i.amount, i.proration]).reverse()).toEqual([
        ["Unused time on Basic after 16 Apr 2026", -500, true],
        ["Remaining time on Premium after 16 Apr 2026", 1000, true],
      ]);
      expect(pending.data[0]?.parent?.subscription_details?.subscription_item).toBe(item.id);
      const updated = (
        await stripe.events.list({ type: "customer.subscription.updated", limit: 1 })
      ).data[0] as Stripe.CustomerSubscriptionUpdatedEvent;
      expect(updated.data.previous_attributes?.items?.data?.[0]?.price?.id).toBe(basic.id);

      // The prorations wait for the renewal: 20 USD for May plus the 5 USD difference.
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: MAY_1 + 2 * 3_600 });
      const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 }))
        .data[0] as Stripe.Invoice;
      expect(renewal.billing_reason).toBe("subscription_cycle");
      expect(renewal.status).toBe("paid");
      expect(renewal.amount_paid).toBe(2500);
      expect(renewal.lines.data.map((l) => l.amount)).toEqual([-500, 1000, 2000]);
      expect((await stripe.invoiceItems.list({ customer, pending: true })).data).toEqual([]);
    });

    it("invoices the difference at once with always_invoice", async () => {
      const { stripe } = h;
      const { clock, sub } = await subscribed();
      const item = sub.items.data[0] as Stripe.SubscriptionItem;
      await stripe.testHelpers.testClocks.advance(clock, { frozen_time: APRIL_16 });
      const upgraded = await stripe.subscriptions.update(sub.id, {
        items: [{ id: item.id, price: premium.id }],
        proration_behavior: "always_invoice",
        expand: ["latest_invoice"],
      });
      const invoice = upgraded.latest_invoice as Stripe.Invoice;
      expect(invoice.billing_reason).toBe("subscription_update");
      expect(invoice.status).toBe("paid");
      expect(invoice.lines.data.map((l) => l.amount)).toEqual([-500, 1000]);
      expect(invoice.amount_paid).toBe(500);
    });

    it("prorates to the cent off the halfway mark, and not at all with proration_behavior=none", async () => {
      const { stripe } = h;
      const a = await subscribed();
      const b = await subscribed();
      await stripe.testHelpers.testClocks.advance(a.clock, { frozen_time: utc(2026, 4, 21) });
      await stripe.testHelpers.testClocks.advance(b.clock, { frozen_time: utc(2026, 4, 21) });
      const itemOf = (s: Stripe.Subscription) => (s.items.data[0] as Stripe.SubscriptionItem).id;
      await stripe.subscriptions.update(a.sub.id, {
        items: [{ id: itemOf(a.sub), price: premium.id }],
      });
      await stripe.subscriptions.update(b.sub.id, {
        items: [{ id: itemOf(b.sub), price: premium.id }],
        proration_behavior: "none",
      });
      const pendingA = await stripe.invoiceItems.list({ customer: a.customer, pending: true });
      expect(pendingA.data.map((i) => i.amount).sort((x, y) => x - y)).toEqual([-333, 667]);
      expect(
        (await stripe.invoiceItems.list({ customer: b.customer, pending: true })).data,
      ).toEqual([]);
    });
  });
});
