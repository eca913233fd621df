import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type Harness, sdkFor, startHarness } from "./harness.ts";

describe("the Stripe API server's transport", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("refuses a wrong secret key with Stripe's 401", async () => {
    const wrong = sdkFor(h.server, "sk_test_wrong_key_1234");
    const error = await wrong.customers.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const auth = error as Stripe.errors.StripeAuthenticationError;
    expect(auth.statusCode).toBe(401);
    expect(auth.type).toBe("StripeAuthenticationError");
    expect(auth.message).toContain("Invalid API Key provided: sk_test_");
    expect(auth.message).toContain("1234");
  });

  it("replays the first response to an idempotency key used again with the same parameters", async () => {
    const params = { email: "replay@example.com", metadata: { tenant: "t1" } };
    const first = await h.stripe.customers.create(params, { idempotencyKey: "key-replay" });
    const second = await h.stripe.customers.create(params, { idempotencyKey: "key-replay" });
    expect(second.id).toBe(first.id);
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const all = await h.stripe.customers.list({ email: "replay@example.com" });
    expect(all.data.map((c) => c.id)).toEqual([first.id]);
  });

  it("refuses an idempotency key reused with other parameters (idempotency_error)", async () => {
    await h.stripe.customers.create({ email: "a@example.com" }, { idempotencyKey: "key-conflict" });
    const error = await h.stripe.customers
      .create({ email: "b@example.com" }, { idempotencyKey: "key-conflict" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const idem = error as Stripe.errors.StripeIdempotencyError;
    expect(idem.statusCode).toBe(400);
    expect(idem.rawType).toBe("idempotency_error");
    expect(idem.message).toContain("key-conflict");
  });

  it("decodes nested bracket parameters: items, their metadata, and expand[]", async () => {
    const product = await h.stripe.products.create({ id: "form_seats", name: "Seats" });
    const base = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 1500,
      recurring: { interval: "month" },
    });
    const addon = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 300,
      recurring: { interval: "month" },
    });
    const customer = await h.stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const sub = await h.stripe.subscriptions.create({
      customer: customer.id,
      items: [
        { price: base.id, quantity: 1, metadata: { role: "base" } },
        { price: addon.id, quantity: 4, metadata: { role: "seats" } },
      ],
      metadata: { plan: "team", "tenant id": "ten_1" },
      expand: ["latest_invoice", "items.data.price.product"],
    });
    expect(sub.metadata).toEqual({ plan: "team", "tenant id": "ten_1" });
    expect(sub.items.data.map((i) => [i.price.id, i.quantity, i.metadata.role])).toEqual([
      [base.id, 1, "base"],
      [addon.id, 4, "seats"],
    ]);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.object).toBe("invoice");
    expect(invoice.amount_paid).toBe(1500 + 4 * 300);
    expect((sub.items.data[0] as Stripe.SubscriptionItem).price.product).toMatchObject({
      name: "Seats",
    });
  });

  it("answers unknown parameters, missing ones and unknown ids as Stripe does", async () => {
    const unknown = await failure(
      h.stripe.customers.create({ emial: "typo@example.com" } as Stripe.CustomerCreateParams),
    );
    expect(unknown.code).toBe("parameter_unknown");
    expect(unknown.param).toBe("emial");

    const missing = await failure(h.stripe.prices.create({ currency: "usd", unit_amount: 100 }));
    expect(missing.code).toBe("parameter_missing");
    expect(missing.param).toBe("product");

    const notFound = await failure(h.stripe.customers.retrieve("cus_nope"));
    expect(notFound.statusCode).toBe(404);
    expect(notFound.code).toBe("resource_missing");
    // The SDK prefixes the request id: "[req_…] No such customer: 'cus_nope'".
    expect(notFound.message).toMatch(/\] No such customer: 'cus_nope'$/);
  });

  it("pages lists newest first with limit and starting_after", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await h.stripe.customers.create({ email: "page@example.com" })).id);
    }
    const first = await h.stripe.customers.list({ email: "page@example.com", limit: 2 });
    expect(first.object).toBe("list");
    expect(first.url).toBe("/v1/customers");
    expect(first.has_more).toBe(true);
    expect(first.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const rest = await h.stripe.customers.list({
      email: "page@example.com",
      limit: 10,
      starting_after: ids[3],
    });
    expect(rest.has_more).toBe(false);
    expect(rest.data.map((c) => c.id)).toEqual([ids[2], ids[1], ids[0]]);
    const all = await h.stripe.customers
      .list({ email: "page@example.com", limit: 2 })
      .autoPagingToArray({ limit: 10 });
    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
  });
});
