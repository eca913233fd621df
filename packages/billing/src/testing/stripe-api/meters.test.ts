import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, utc } from "./harness.ts";

describe("billing meters and meter events", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("refuses an identifier seen before and sums the rest", async () => {
    const { stripe } = h;
    const meter = await stripe.billing.meters.create({
      display_name: "API calls",
      event_name: "api_calls",
      default_aggregation: { formula: "sum" },
      customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
      value_settings: { event_payload_key: "value" },
    });
    expect(meter.id).toMatch(/^mtr_/);
    expect(meter.status).toBe("active");
    const customer = await stripe.customers.create({ email: "usage@example.com" });
    const t0 = utc(2026, 11, 2, 10);
    const send = (identifier: string, value: number, timestamp: number) =>
      stripe.billing.meterEvents.create({
        event_name: "api_calls",
        payload: { stripe_customer_id: customer.id, value: String(value) },
        identifier,
        timestamp,
      });
    const first = await send("req_1", 5, t0);
    expect(first).toMatchObject({
      object: "billing.meter_event",
      identifier: "req_1",
      timestamp: t0,
    });
    await send("req_2", 7, t0 + 60);
    const duplicate = await send("req_1", 5, t0).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(duplicate).toMatchObject({
      statusCode: 400,
      code: "duplicate_meter_event",
      param: "identifier",
    });
    expect((duplicate as Error).message).toContain(
      "A meter event with a duplicate identifier has already been submitted.",
    );
    await send("req_3", 100, t0 + 3 * 3_600);

    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 3_600,
    });
    expect(summaries.data.map((s) => [s.aggregated_value, s.start_time, s.end_time])).toEqual([
      [12, t0, t0 + 3_600],
    ]);
    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: t0,
      end_time: t0 + 4 * 3_600,
      value_grouping_window: "hour",
    });
    expect(hourly.data.map((s) => s.aggregated_value).sort((a, b) => a - b)).toEqual([12, 100]);
  });

  it("bills a metered price's usage in arrears on renewal", async () => {
    const { stripe } = h;
    const meter = await stripe.billing.meters.create({
      display_name: "Alerts",
      event_name: "alerts_sent",
      default_aggregation: { formula: "sum" },
    });
    const start = utc(2026, 9, 1);
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const base = await stripe.prices.create({
      product_data: { name: "Alerts plan" },
      currency: "usd",
      unit_amount: 1000,
      recurring: { interval: "month" },
    });
    const overage = await stripe.prices.create({
      product_data: { name: "Alert overage" },
      currency: "usd",
      unit_amount: 2,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: base.id }, { price: overage.id }],
    });
    expect(sub.items.data[1]?.quantity).toBeUndefined();
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).amount_paid).toBe(1000);
    for (const [i, value] of [40, 60].entries()) {
      await stripe.billing.meterEvents.create({
        event_name: "alerts_sent",
        payload: { stripe_customer_id: customer.id, value: String(value) },
        identifier: `alert-batch-${i}`,
        timestamp: start + (i + 1) * 86_400,
      });
    }
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: utc(2026, 10, 1, 2) });
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(
      renewal.lines.data.map((l) => [l.description, l.quantity, l.amount, l.period.start]),
    ).toEqual([
      ["1 × Alerts plan (at $10.00 / month)", 1, 1000, utc(2026, 10, 1)],
      ["100 × Alert overage (at $0.02 / month)", 100, 200, start],
    ]);
    expect(renewal.amount_paid).toBe(1200);
  });
});
