import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type Harness, startHarness } from "./harness.ts";

/** How catalog sync finds prices: by lookup key, moving the key to a new price on a change. */
describe("products and prices synced by lookup_key", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.server.close();
  });

  it("creates a product under our id, finds its price by lookup key, and moves the key", async () => {
    const product = await h.stripe.products.create({
      id: "platform_pro",
      name: "Platform Pro",
      metadata: { plan: "pro" },
    });
    expect(product.id).toBe("platform_pro");
    expect(product.active).toBe(true);
    const duplicate = await failure(
      h.stripe.products.create({ id: "platform_pro", name: "Again" }),
    );
    expect(duplicate.code).toBe("resource_already_exists");

    const v1 = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 4900,
      recurring: { interval: "month" },
      lookup_key: "platform_pro_monthly",
      metadata: { version: "1" },
    });
    expect(v1.unit_amount_decimal?.toString()).toBe("4900");
    expect(v1.recurring).toEqual({
      interval: "month",
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: "licensed",
    });
    const found = await h.stripe.prices.list({ lookup_keys: ["platform_pro_monthly"] });
    expect(found.data.map((p) => p.id)).toEqual([v1.id]);

    const taken = await failure(
      h.stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 5900,
        recurring: { interval: "month" },
        lookup_key: "platform_pro_monthly",
      }),
    );
    expect(taken).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(taken.param).toBe("lookup_key");

    const v2 = await h.stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 5900,
      recurring: { interval: "month" },
      lookup_key: "platform_pro_monthly",
      transfer_lookup_key: true,
      metadata: { version: "2" },
    });
    await h.stripe.prices.update(v1.id, { active: false });
    const after = await h.stripe.prices.list({
      lookup_keys: ["platform_pro_monthly"],
      expand: ["data.product"],
    });
    expect(after.data.map((p) => [p.id, p.unit_amount, p.metadata.version])).toEqual([
      [v2.id, 5900, "2"],
    ]);
    expect((after.data[0] as Stripe.Price).product).toMatchObject({ id: "platform_pro" });
    const old = await h.stripe.prices.retrieve(v1.id);
    expect(old.lookup_key).toBeNull();
    expect(old.active).toBe(false);

    const active = await h.stripe.prices.list({ product: product.id });
    expect(active.data.map((p) => p.id)).toEqual([v2.id]);
    const inactive = await h.stripe.prices.list({ product: product.id, active: false });
    expect(inactive.data.map((p) => p.id)).toEqual([v1.id]);

    const renamed = await h.stripe.products.update(product.id, {
      name: "Platform Pro+",
      default_price: v2.id,
    });
    expect(renamed.name).toBe("Platform Pro+");
    expect(renamed.default_price).toBe(v2.id);
    const updates = await h.stripe.events.list({ type: "price.updated" });
    expect(updates.data.map((e) => (e.data.object as Stripe.Price).id)).toEqual([v1.id, v1.id]);
    const moved = updates.data[1] as Stripe.PriceUpdatedEvent;
    expect(moved.data.previous_attributes).toEqual({ lookup_key: "platform_pro_monthly" });
  });
});
