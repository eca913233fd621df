import { type StripeApiServer, startStripeApiServer } from "@kamiyo/billing/testing";
import { type Db, migrate, tenantDb } from "@kamiyo/db";
import {
  appendAuditRecords,
  putBillingTerms,
  recordOutcomes,
  shieldMigrations,
} from "@kamiyo/shield";
import { cdnowFixture } from "@kamiyo/shield/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;
let stripeApi: StripeApiServer;
let customer: string;

beforeAll(async () => {
  storage = await cliStorage("kamiyo-shield");
  stripeApi = await startStripeApiServer({ secretKey: "sk_test_app" });
  customer = await stripeCustomer(stripeApi);
  const db = await storage.open();
  try {
    await migrate(db, [shieldMigrations]);
    await seedBilling(db, customer);
    await db.query("INSERT INTO tenants (id, name) VALUES ('ten_ltv', 'ltv')");
    for (const id of ["ten_intact", "ten_tampered"]) {
      await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
      const records = [1, 2, 3, 4].map((i) => ({
        kind: "decision",
        at: Date.UTC(2026, 0, 1, 0, i),
        body: { campaign: "cmp_1", bidMicros: 1_000_000 * i, verdict: "allow" },
      }));
      await tenantDb(db, id).transaction((tx) => appendAuditRecords(tx, records));
    }
    await db.transaction(async (tx) => {
      await tx.query("ALTER TABLE shield_audit_records DISABLE TRIGGER append_only");
      await tx.query(
        `UPDATE shield_audit_records SET body = body || '{"verdict": "deny"}'
         WHERE tenant_id = 'ten_tampered' AND seq = 3`,
      );
      await tx.query("ALTER TABLE shield_audit_records ENABLE TRIGGER append_only");
    });
  } finally {
    await db.close(); // a PGlite directory is opened by one process at a time
  }
}, 120_000);
afterAll(async () => {
  await storage?.close();
  await stripeApi?.close();
});

/** A Stripe customer who pays with a card, at the local server. */
async function stripeCustomer(api: StripeApiServer): Promise<string> {
  const res = await fetch(`${api.url}/v1/customers`, {
    method: "POST",
    headers: {
      authorization: "Bearer sk_test_app",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa",
  });
  return ((await res.json()) as { id: string }).id;
}

/** Tenant ten_bill: the seed's example (spend $1,000, LTV $4,470) in November 2026, Stripe terms. */
async function seedBilling(db: Db, stripeCustomerId: string): Promise<void> {
  await db.query("INSERT INTO tenants (id, name) VALUES ('ten_bill', 'bill')");
  await tenantDb(db, "ten_bill").transaction(async (tx) => {
    await appendAuditRecords(tx, [
      {
        kind: "bid",
        at: Date.UTC(2026, 10, 3),
        body: {
          decisionId: "d1",
          clientId: "acme",
          campaignId: "c1",
          platform: "google_ads",
          externalId: "x1",
          spendMicros: 1_000_000_000,
        },
      },
    ]);
    await recordOutcomes(tx, [
      {
        outcomeId: "o1",
        clientId: "acme",
        campaignId: "c1",
        customerId: "u1",
        ltvMicros: 4_470_000_000,
        occurredAt: "2026-11-04T00:00:00Z",
      },
    ]);
    await putBillingTerms(
      tx,
      "acme",
      { baselineRoasBps: 30_000, payment: { provider: "stripe", customerId: stripeCustomerId } },
      Date.UTC(2026, 10, 1),
    );
  });
}

describe(`kamiyo shield audit verify, as the app composes it (${testDbKind})`, () => {
  it("exits 0 for an intact chain, 1 naming the first broken record, 2 for an unknown tenant", async () => {
    const intact = await storage.run(["shield", "audit", "verify", "--tenant", "ten_intact"]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^tenant ten_intact: audit trail intact: 4 records, head seq 4/);
    const broken = await storage.run(["shield", "audit", "verify", "--tenant", "ten_tampered"]);
    expect(broken).toMatchObject({
      code: 1,
      stdout: "",
      stderr: expect.stringContaining(
        "kamiyo: tenant ten_tampered: audit trail broken at seq 3: hash mismatch (2 records intact before it)\n",
      ),
    });
    const unknown = await storage.run(["shield", "audit", "verify", "--tenant", "ten_nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("kamiyo: --tenant: no tenant ten_nobody\n");
  });
});

describe(`kamiyo shield ltv fit --save and ltv models, as the app composes it (${testDbKind})`, () => {
  it("saves the CDNOW fit as the tenant's active version 1 and lists it", async () => {
    const summary = cdnowFixture("cdnow_customers_summary_with_transactions.csv");
    const saved = await storage.run([
      ...["shield", "ltv", "fit", "--summary", summary, "--unit", "week"],
      ...["--tenant", "ten_ltv", "--save", "--activate"],
    ]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain("saved as version 1 of tenant ten_ltv (active)\n");
    const list = await storage.run(["shield", "ltv", "models", "--tenant", "ten_ltv"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^\* v1 .* 2357 customers in weeks {2}r 0\.24/);
  });
});

describe(`kamiyo shield bill, as the app composes it (${testDbKind})`, () => {
  it("bills the seed's example through Stripe as SHIELD_STRIPE_* configure it, once", async () => {
    const env = { SHIELD_STRIPE_SECRET_KEY: "sk_test_app", SHIELD_STRIPE_API_URL: stripeApi.url };
    const args = ["shield", "bill", "--tenant", "ten_bill", "--period", "2026-11", "--json"];
    const first = await storage.run(args, env);
    expect(first.code, first.stderr).toBe(0);
    const [bill] = JSON.parse(first.stdout).bills;
    expect(bill).toMatchObject({ step: "synced", invoice: { earningsCents: 22_050 } });
    const again = await storage.run(args, env);
    expect(JSON.parse(again.stdout).bills[0].paymentId).toBe(bill.paymentId);
    const res = await fetch(`${stripeApi.url}/v1/invoices?customer=${customer}`, {
      headers: { authorization: "Bearer sk_test_app" },
    });
    const invoices = ((await res.json()) as { data: { amount_paid: number }[] }).data;
    expect(invoices.map((i) => i.amount_paid)).toEqual([22_050]);
  });

  it("exits 2 naming a bad period or a bad setting", async () => {
    const bad = await storage.run([
      "shield",
      "bill",
      "--tenant",
      "ten_bill",
      "--period",
      "11/2026",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("kamiyo: --period: expected a month like 2026-11");
    const key = await storage.run(
      ["shield", "bill", "--tenant", "ten_bill", "--period", "2026-11"],
      {
        SHIELD_STRIPE_SECRET_KEY: "not-a-key",
      },
    );
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("SHIELD_STRIPE_SECRET_KEY");
    const half = await storage.run(
      ["shield", "bill", "--tenant", "ten_bill", "--period", "2026-11"],
      {
        SHIELD_PAYPAL_CLIENT_ID: "AbC",
      },
    );
    expect(half.code).toBe(2);
    expect(half.stderr).toContain(
      "SHIELD_PAYPAL_CLIENT_SECRET: needed with SHIELD_PAYPAL_CLIENT_ID",
    );
  });
});
