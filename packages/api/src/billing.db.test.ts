import { StripeBilling, stripeClient, stripeConfig, syncCatalog } from "@kamiyo/billing/stripe";
import { type StripeApiServer, startStripeApiServer } from "@kamiyo/billing/testing";
import { silentLogger } from "@kamiyo/core";
import { createApiKey, createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { ApiModule } from "./api-module.ts";
import { errorResponses } from "./schemas/common.ts";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

const DAY_S = 86_400;
const KEY = "sk_test_local";
const intelProbe: ApiModule = {
  id: "probe",
  product: "intel",
  tags: [],
  routes(app) {
    app.get(
      "/probe/intel",
      { schema: { response: { 200: z.object({ ok: z.boolean() }), ...errorResponses } } },
      async () => ({ ok: true }),
    );
  },
};

let server: StripeApiServer;
let stripe: Stripe;
let h: Harness;
let secret = "";
let base = "";

beforeAll(async () => {
  server = await startStripeApiServer({ secretKey: KEY });
  const config = stripeConfig.parse({ secretKey: KEY, apiUrl: server.url });
  stripe = stripeClient({ ...config, secretKey: KEY });
  await syncCatalog(stripe);
  h = await apiHarness({ seeded: false, modules: [intelProbe] });
  // The webhook needs the harness's deps; set after it exists (the routes read deps.billing per call).
  h.deps.billing = {
    service: new StripeBilling({
      db: h.db,
      stripe,
      config,
      log: silentLogger,
      now: () => h.clock.now(),
    }),
    webhookSecret: null,
  };
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  const endpoint = await stripe.webhookEndpoints.create({
    url: `${base}/billing/stripe/webhook`,
    enabled_events: ["*"],
  });
  secret = endpoint.secret as string;
  h.deps.billing.webhookSecret = secret;
}, 60_000);
afterAll(async () => {
  await h?.close();
  await server?.close();
});

/** A tenant whose Stripe customer lives on a test clock (so the test can move its time). */
async function payingTenant(name: string, card: string) {
  const made = await createTenant(h.db, { name, actor: "test", nowMs: NOW });
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: NOW / 1000 });
  const customer = await stripe.customers.create({
    test_clock: clock.id,
    metadata: { tenant_id: made.tenant.id },
    payment_method: card,
    invoice_settings: { default_payment_method: card },
  });
  await h.db.query(
    "INSERT INTO billing_customers (tenant_id, stripe_customer_id, created_at) VALUES ($1, $2, $3)",
    [made.tenant.id, customer.id, new Date(NOW)],
  );
  return { id: made.tenant.id, key: made.key, clock: clock.id, customer: customer.id };
}

const call = (key: string, method: string, url: string, payload?: object) =>
  h.app.inject({
    method: method as "GET",
    url,
    headers: { "x-api-key": key },
    ...(payload ? { payload } : {}),
  });

const subscriptionOf = async (tenantId: string, product: string) =>
  (
    await h.db.query<{ status: string; plan_id: string; failed_payments: number }>(
      "SELECT status, plan_id, failed_payments FROM subscriptions WHERE tenant_id = $1 AND product = $2",
      [tenantId, product],
    )
  )[0];

describe(`billing through Stripe (${testDbKind})`, () => {
  it("starts a paid plan with a 14-day trial, then charges the card when it ends", async () => {
    const t = await payingTenant("trial", "pm_card_visa");
    const res = await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_pro" });
    expect(res.statusCode, res.body).toBe(200);
    const intel = res.json().subscriptions.find((s: { product: string }) => s.product === "intel");
    expect(intel).toMatchObject({ plan: "intel_pro", status: "trialing" });
    expect(intel.trialEndsAt).toBe(new Date(NOW + 14 * DAY_S * 1000).toISOString());
    // The trial ends; its first invoice is a draft, finalized and charged an hour later.
    await stripe.testHelpers.testClocks.advance(t.clock, {
      frozen_time: NOW / 1000 + 14 * DAY_S + 2 * 3_600,
    });
    await expect.poll(async () => (await subscriptionOf(t.id, "intel"))?.status).toBe("active");
    const paid = (await stripe.invoices.list({ customer: t.customer, status: "paid" })).data;
    // The trial's own invoice is $0; the first period after it is charged in full.
    expect(paid.map((i) => i.amount_paid).sort((a, b) => a - b)).toEqual([0, 4_900]);
  });

  it("upgrades with proration: the unused part of the old price credited, the new one charged for the rest of the period", async () => {
    const t = await payingTenant("upgrade", "pm_card_visa");
    await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_pro" });
    await stripe.testHelpers.testClocks.advance(t.clock, {
      frozen_time: NOW / 1000 + 14 * DAY_S + 60,
    });
    const sub = (await stripe.subscriptions.list({ customer: t.customer }))
      .data[0] as Stripe.Subscription;
    const item = sub.items.data[0] as Stripe.SubscriptionItem;
    const periodS = item.current_period_end - item.current_period_start;
    // Ten days into the paid period.
    const at = item.current_period_start + 10 * DAY_S;
    await stripe.testHelpers.testClocks.advance(t.clock, { frozen_time: at });
    const res = await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_team" });
    expect(res.statusCode, res.body).toBe(200);
    expect(await subscriptionOf(t.id, "intel")).toMatchObject({ plan_id: "intel_team" });
    const items = (await stripe.invoiceItems.list({ customer: t.customer, pending: true })).data;
    const left = (item.current_period_end - at) / periodS;
    expect(items.map((i) => i.amount).sort((a, b) => a - b)).toEqual([
      -Math.round(4_900 * left),
      Math.round(14_900 * left),
    ]);
  });

  it("cancels at the end of the period, or now", async () => {
    const t = await payingTenant("cancel", "pm_card_visa");
    await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_team" });
    const later = await call(t.key, "DELETE", "/billing/subscription/intel");
    expect(later.statusCode, later.body).toBe(200);
    const intel = (r: typeof later) =>
      r.json().subscriptions.find((s: { product: string }) => s.product === "intel");
    expect(intel(later)).toMatchObject({ plan: "intel_team", cancelAtPeriodEnd: true });
    expect(intel(later).status).not.toBe("canceled");
    const now = await call(t.key, "DELETE", "/billing/subscription/intel?atPeriodEnd=false");
    expect(intel(now)).toMatchObject({ status: "canceled" });
    // Its exploit API falls back to the platform edition; nothing is left to cancel.
    expect((await call(t.key, "GET", "/probe/intel")).headers["ratelimit-policy"]).toBe(
      "6000;w=60, 100000;w=86400",
    );
    const none = await call(t.key, "DELETE", "/billing/subscription/intel");
    expect(none.statusCode).toBe(404);
  });

  it("suspends the tenant after three failed payments: 402 on its API, data kept; paying reinstates it", async () => {
    const t = await payingTenant("failing", "pm_card_chargeCustomerFail");
    await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_pro" });
    expect((await call(t.key, "GET", "/probe/intel")).statusCode).toBe(200);
    // The trial ends; an hour later the first charge fails.
    let now = NOW / 1000 + 14 * DAY_S + 2 * 3_600;
    await stripe.testHelpers.testClocks.advance(t.clock, { frozen_time: now });
    await expect.poll(async () => (await subscriptionOf(t.id, "intel"))?.failed_payments).toBe(1);
    expect((await subscriptionOf(t.id, "intel"))?.status).toBe("past_due");
    for (const [days, failures] of [
      [3, 2],
      [5, 3],
    ] as const) {
      now += days * DAY_S;
      await stripe.testHelpers.testClocks.advance(t.clock, { frozen_time: now });
      await expect
        .poll(async () => (await subscriptionOf(t.id, "intel"))?.failed_payments)
        .toBe(failures);
    }
    expect((await subscriptionOf(t.id, "intel"))?.status).toBe("suspended");
    const refused = await call(t.key, "GET", "/probe/intel");
    expect(refused.statusCode).toBe(402);
    expect(refused.json().error.message).toMatch(/suspended after failed payments/);
    // Its account stays readable, so it can see why and pay.
    expect((await call(t.key, "GET", "/billing/subscription")).statusCode).toBe(200);

    const [open] = (await stripe.invoices.list({ customer: t.customer, status: "open" })).data;
    const card = await stripe.paymentMethods.attach("pm_card_visa", { customer: t.customer });
    await stripe.invoices.pay((open as Stripe.Invoice).id as string, { payment_method: card.id });
    await expect.poll(async () => (await subscriptionOf(t.id, "intel"))?.status).toBe("active");
    expect((await subscriptionOf(t.id, "intel"))?.failed_payments).toBe(0);
    expect((await call(t.key, "GET", "/probe/intel")).statusCode).toBe(200);
  });

  it("refuses an event whose signature does not verify, and applies a replayed or stale one no further", async () => {
    const t = await payingTenant("events", "pm_card_visa");
    await call(t.key, "PATCH", "/billing/subscription", { plan: "intel_pro" });
    const sub = (await stripe.subscriptions.list({ customer: t.customer }))
      .data[0] as Stripe.Subscription;
    // A stale copy: the subscription as it was when created (trialing, intel_pro).
    const stale = {
      id: "evt_stale_0001",
      object: "event",
      type: "customer.subscription.updated",
      created: NOW / 1000,
      api_version: "2026-11-18.endive",
      data: { object: { ...sub, status: "trialing" } },
    };
    await stripe.subscriptions.cancel(sub.id);
    await expect.poll(async () => (await subscriptionOf(t.id, "intel"))?.status).toBe("canceled");

    const payload = JSON.stringify(stale);
    const post = (signature: string, body = payload) =>
      h.app.inject({
        method: "POST",
        url: "/billing/stripe/webhook",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        payload: body,
      });
    const sign = (body: string, with_ = secret) =>
      stripe.webhooks.generateTestHeaderString({ payload: body, secret: with_ });
    const forged = await post(sign(payload, "whsec_not_the_secret"));
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.message).toMatch(/Stripe-Signature/);
    const altered = await post(sign(payload), payload.replace("trialing", "active"));
    expect(altered.statusCode).toBe(400);
    expect(
      (await h.db.query("SELECT 1 FROM stripe_events WHERE event_id = 'evt_stale_0001'")).length,
    ).toBe(0);

    // Signed but older than the state: the newest object (canceled) wins.
    const first = await post(sign(payload));
    expect(first.json()).toEqual({ received: true, outcome: "applied" });
    expect((await subscriptionOf(t.id, "intel"))?.status).toBe("canceled");
    const again = await post(sign(payload));
    expect(again.json()).toEqual({ received: true, outcome: "duplicate" });
  });

  it("keeps billing changes to owners, and each tenant to its own invoices", async () => {
    const t = await payingTenant("roles", "pm_card_visa");
    const viewer = await createApiKey(h.db, {
      tenantId: t.id,
      name: "viewer",
      role: "viewer",
      createdBy: "test",
      nowMs: NOW,
    });
    const res = await call(viewer.key, "PATCH", "/billing/subscription", { plan: "intel_pro" });
    expect(res.statusCode).toBe(403);
    const free = await call(t.key, "POST", "/billing/checkout", { plan: "intel_free" });
    expect(free.statusCode).toBe(400);
    expect(free.json().error.message).toMatch(/intel_free is free/);
    const checkout = await call(t.key, "POST", "/billing/checkout", { plan: "cloud_pro" });
    expect(checkout.statusCode, checkout.body).toBe(200);
    expect(checkout.json().url).toMatch(/^http/);
    const portal = await call(t.key, "POST", "/billing/portal");
    expect(portal.statusCode).toBe(200);
    expect((await call(viewer.key, "GET", "/invoices")).json()).toEqual({ data: [] });
  });
});
