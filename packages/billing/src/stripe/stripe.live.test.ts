/**
 * The live suite for billing: Stripe itself in test mode, through the same code the API uses.
 * Needs the internet and a test-mode key; runs only with KAMIYO_LIVE=1 and STRIPE_TEST_SECRET_KEY
 * (`npm run test:live`). It creates test-mode objects (products, prices, meters, a customer and a
 * subscription) and cancels the subscription at the end.
 */
import { describe, expect, it } from "vitest";
import { planById } from "../catalog/index.ts";
import { stripeProductId, syncCatalog } from "./catalog-sync.ts";
import { stripeClient } from "./stripe-client.ts";
import { stripeConfig } from "./stripe-config.ts";

const key = process.env.STRIPE_TEST_SECRET_KEY ?? "";
const live = process.env.KAMIYO_LIVE === "1" && key.startsWith("sk_test_");

describe.runIf(live)("Stripe in test mode", () => {
  it("syncs the catalog twice with the same result, and runs a trial subscription on it", async () => {
    const stripe = stripeClient({ ...stripeConfig.parse({ secretKey: key }), secretKey: key });
    const first = await syncCatalog(stripe);
    const second = await syncCatalog(stripe);
    expect(second.created).toEqual([]);
    expect(second.prices).toEqual(first.prices);
    const product = await stripe.products.retrieve(stripeProductId(planById("intel_pro")));
    expect(product.active).toBe(true);
    const customer = await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
      metadata: { tenant_id: "ten_live_test" },
    });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: first.prices.intel_pro as string }],
      trial_period_days: 14,
    });
    expect(sub.status).toBe("trialing");
    expect(sub.items.data[0]?.price.lookup_key).toBe("intel_pro");
    await stripe.subscriptions.cancel(sub.id);
  }, 60_000);
});
