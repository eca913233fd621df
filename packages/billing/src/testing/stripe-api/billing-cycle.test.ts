import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMonths, periodStart } from "./billing-cycle.ts";
import { type Harness, startHarness, utc } from "./harness.ts";

describe("billing cycle arithmetic", () => {
  it.each([
    [utc(2027, 1, 31, 12), 1, utc(2027, 2, 28, 12)],
    [utc(2028, 1, 31, 12), 1, utc(2028, 2, 29, 12)],
    [utc(2027, 1, 31, 12), 2, utc(2027, 3, 31, 12)],
    [utc(2027, 1, 31, 12), 3, utc(2027, 4, 30, 12)],
    [utc(2027, 3, 31), 11, utc(2028, 2, 29)],
    [utc(2027, 12, 15), 1, utc(2028, 1, 15)],
  ])("anchor %i plus %i months is %i", (anchor, months, expected) => {
    expect(addMonths(anchor, months)).toBe(expected);
  });

  it("returns to the anchor's day after a short month", () => {
    const anchor = utc(2027, 1, 31);
    const month = { interval: "month", interval_count: 1 };
    expect([1, 2, 3].map((k) => periodStart(anchor, month, k))).toEqual([
      utc(2027, 2, 28),
      utc(2027, 3, 31),
      utc(2027, 4, 30),
    ]);
    expect(periodStart(anchor, { interval: "year", interval_count: 1 }, 1)).toBe(utc(2028, 1, 31));
    expect(periodStart(anchor, { interval: "week", interval_count: 2 }, 1)).toBe(utc(2027, 2, 14));
  });
});

describe("a subscription anchored on the 31st, through the API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("renews on 28 Feb, 31 Mar and 30 Apr", async () => {
    const { stripe } = h;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: utc(2027, 1, 31, 10) });
    const customer = await stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const price = await stripe.prices.create({
      product_data: { name: "Intel" },
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
    });
    expect(sub.status).toBe("active");
    expect(sub.items.data[0]?.current_period_end).toBe(utc(2027, 2, 28, 10));
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: utc(2027, 5, 1) });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const periods = invoices.data
      .map((i: Stripe.Invoice) => [i.billing_reason, i.lines.data[0]?.period.start, i.status])
      .reverse();
    expect(periods).toEqual([
      ["subscription_create", utc(2027, 1, 31, 10), "paid"],
      ["subscription_cycle", utc(2027, 2, 28, 10), "paid"],
      ["subscription_cycle", utc(2027, 3, 31, 10), "paid"],
      ["subscription_cycle", utc(2027, 4, 30, 10), "paid"],
    ]);
    const current = await stripe.subscriptions.retrieve(sub.id);
    expect(current.items.data[0]?.current_period_end).toBe(utc(2027, 5, 31, 10));
  });
});
