import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type Harness, startHarness } from "./harness.ts";

describe("checkout and billing portal sessions", () => {
  let h: Harness;
  let price: Stripe.Price;
  beforeAll(async () => {
    h = await startHarness();
    await h.stripe.products.create({ id: "intel_pro", name: "Intel Pro" });
    price = await h.stripe.prices.create({
      product: "intel_pro",
      currency: "usd",
      unit_amount: 4900,
      recurring: { interval: "month" },
      lookup_key: "intel_pro_monthly",
    });
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("a subscription checkout, completed by the test helper, creates the subscription", async () => {
    const { stripe } = h;
    const customer = await stripe.customers.create({ email: "buyer@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { trial_period_days: 14, metadata: { tenant: "ten_42" } },
      success_url: "https://app.example.com/billing?ok=1",
      cancel_url: "https://app.example.com/billing",
      client_reference_id: "ten_42",
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${h.server.url}/checkout/${session.id}`);
    expect([session.status, session.payment_status, session.amount_total]).toEqual([
      "open",
      "no_payment_required",
      0,
    ]);

    // Not Stripe's API: this server's stand-in for the customer paying on the page.
    const completed = (await stripe.rawRequest(
      "POST",
      `/v1/test_helpers/checkout/sessions/${session.id}/complete`,
      { payment_method: "pm_card_visa" },
    )) as Stripe.Checkout.Session;
    expect(completed.status).toBe("complete");
    expect(completed.url).toBeNull();
    const sub = await stripe.subscriptions.retrieve(completed.subscription as string);
    expect([sub.status, sub.customer, sub.metadata.tenant]).toEqual([
      "trialing",
      customer.id,
      "ten_42",
    ]);
    expect(sub.default_payment_method).toMatch(/^pm_/);
    const event = (await stripe.events.list({ type: "checkout.session.completed" }))
      .data[0] as Stripe.CheckoutSessionCompletedEvent;
    expect(event.data.object.client_reference_id).toBe("ten_42");
    const again = await failure(
      stripe.rawRequest("POST", `/v1/test_helpers/checkout/sessions/${session.id}/complete`, {}),
    );
    expect(again.statusCode).toBe(400);
  });

  it("a paid checkout for a new customer charges the card; a declined one stays open", async () => {
    const { stripe } = h;
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "new@example.com",
      line_items: [{ price: price.id, quantity: 2 }],
      success_url: "https://app.example.com/ok",
    });
    expect(session.amount_total).toBe(9800);
    const declined = await failure(
      stripe.rawRequest("POST", `/v1/test_helpers/checkout/sessions/${session.id}/complete`, {
        payment_method: "pm_card_chargeCustomerFail",
      }),
    );
    expect([declined.statusCode, declined.code]).toEqual([402, "card_declined"]);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    const done = (await stripe.rawRequest(
      "POST",
      `/v1/test_helpers/checkout/sessions/${session.id}/complete`,
      {},
    )) as Stripe.Checkout.Session;
    expect([done.status, done.payment_status]).toEqual(["complete", "paid"]);
    expect(done.customer_details?.email).toBe("new@example.com");
    const invoice = await stripe.invoices.retrieve(done.invoice as string);
    expect([invoice.status, invoice.amount_paid]).toEqual(["paid", 9800]);
  });

  it("a billing portal session for a customer", async () => {
    const { stripe } = h;
    const customer = await stripe.customers.create({ email: "portal@example.com" });
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "https://app.example.com/settings",
    });
    expect(portal.id).toMatch(/^bps_/);
    expect(portal.customer).toBe(customer.id);
    expect(portal.return_url).toBe("https://app.example.com/settings");
    expect(portal.url).toBe(`${h.server.url}/billing_portal/${portal.id}`);
  });
});
