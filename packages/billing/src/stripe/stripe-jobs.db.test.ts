import { silentLogger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribe } from "../subscriptions.ts";
import { type StripeApiServer, startStripeApiServer } from "../testing/index.ts";
import { recordUsage } from "../usage.ts";
import { closeInvoices, reportPendingUsage } from "./billing-jobs.ts";
import { stripeMeterEvent, syncCatalog } from "./catalog-sync.ts";
import { StripeBilling } from "./stripe-billing.ts";
import { stripeClient } from "./stripe-client.ts";
import { stripeConfig } from "./stripe-config.ts";

const KEY = "sk_test_local";
const ANCHOR = Date.UTC(2026, 10, 3, 12);
const NEXT = Date.UTC(2026, 11, 3, 12);
let server: StripeApiServer;
let stripe: Stripe;
let db: Db;
let billing: StripeBilling;

beforeAll(async () => {
  server = await startStripeApiServer({ secretKey: KEY });
  const config = stripeConfig.parse({ secretKey: KEY, apiUrl: server.url });
  stripe = stripeClient({ ...config, secretKey: KEY });
  db = await createTestDb();
  billing = new StripeBilling({ db, stripe, config, log: silentLogger, now: () => NEXT });
});
afterAll(async () => {
  await db?.close();
  await server?.close();
});

describe(`Stripe jobs on ${testDbKind}`, () => {
  it("syncs the catalog idempotently, and replaces a price whose amount is not the catalog's", async () => {
    // Someone priced intel_pro at $59 by hand: the sync takes the lookup key back at $49.
    await stripe.products.create({ id: "kamiyo_intel_pro", name: "old name" });
    const wrong = await stripe.prices.create({
      product: "kamiyo_intel_pro",
      currency: "usd",
      unit_amount: 5_900,
      recurring: { interval: "month" },
      lookup_key: "intel_pro",
    });
    const first = await syncCatalog(stripe);
    expect(first.updated).toEqual(["product kamiyo_intel_pro"]);
    expect(first.created).toContain("price intel_pro 4900");
    expect(first.created).toContain(`meter ${stripeMeterEvent("rca_queries")}`);
    expect((await stripe.prices.retrieve(wrong.id)).active).toBe(false);
    const [price] = (await stripe.prices.list({ lookup_keys: ["intel_pro"] })).data;
    expect(price?.unit_amount).toBe(4_900);
    // Every paid plan has a price; a free or per-contract plan has none.
    expect(Object.keys(first.prices).sort()).toEqual(
      [
        "cloud_basic",
        "cloud_enterprise",
        "cloud_pro",
        "intel_enterprise",
        "intel_pro",
        "intel_team",
        "rca_basic",
        "rca_pro",
      ].sort(),
    );
    const again = await syncCatalog(stripe);
    expect(again).toEqual({ prices: first.prices, created: [], updated: [] });
  });

  it("reports usage as meter events once, and puts a closed period's overage on the Stripe invoice once", async () => {
    await db.query("INSERT INTO tenants (id, name, created_at) VALUES ('ten_jobs', 'jobs', $1)", [
      new Date(ANCHOR),
    ]);
    await subscribe(db, { tenantId: "ten_jobs", planId: "open_source", nowMs: ANCHOR });
    await subscribe(db, { tenantId: "ten_jobs", planId: "rca_basic", nowMs: ANCHOR });
    const customer = await billing.customer("ten_jobs");
    await recordUsage(
      db,
      [
        {
          tenantId: "ten_jobs",
          product: "rca",
          meter: "rca_queries",
          value: 1_004,
          eventAt: ANCHOR + 1,
          idempotencyKey: "q1",
        },
        {
          tenantId: "ten_jobs",
          product: "rca",
          meter: "rca_queries",
          value: 2,
          eventAt: ANCHOR + 2,
          idempotencyKey: "q2",
        },
      ],
      ANCHOR + 3,
    );
    expect(await reportPendingUsage(db, billing)).toBe(2);
    expect(await reportPendingUsage(db, billing)).toBe(0);
    const [meter] = (await stripe.billing.meters.list()).data.filter(
      (m) => m.event_name === stripeMeterEvent("rca_queries"),
    );
    const summary = await stripe.billing.meters.listEventSummaries(meter?.id as string, {
      customer,
      start_time: Math.floor(ANCHOR / 1000),
      end_time: Math.floor(NEXT / 1000),
    });
    expect(summary.data.reduce((sum, s) => sum + s.aggregated_value, 0)).toBe(1_006);
    // Sent again (as after a crash between sending and marking): Stripe refuses the identifiers.
    await db.query("UPDATE usage_events SET reported_at = NULL WHERE tenant_id = 'ten_jobs'");
    expect(await reportPendingUsage(db, billing)).toBe(2);
    const again = await stripe.billing.meters.listEventSummaries(meter?.id as string, {
      customer,
      start_time: Math.floor(ANCHOR / 1000),
      end_time: Math.floor(NEXT / 1000),
    });
    expect(again.data.reduce((sum, s) => sum + s.aggregated_value, 0)).toBe(1_006);

    expect(await closeInvoices(db, billing, NEXT + 1, silentLogger)).toBeGreaterThanOrEqual(1);
    expect(await closeInvoices(db, billing, NEXT + 2, silentLogger)).toBe(0);
    const items = (await stripe.invoiceItems.list({ customer })).data;
    // 6 queries past 1,000 at 50 ¢.
    expect(items.map((i) => [i.amount, i.metadata?.meter])).toEqual([[300, "rca_queries"]]);
  });
});
