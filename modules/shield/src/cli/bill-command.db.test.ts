import { type StripeApiServer, startStripeApiServer } from "@kamiyo/billing/testing";
import { type Db, tenantDb } from "@kamiyo/db";
import { CliError } from "@kamiyo/platform";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditRecords } from "../audit/append.ts";
import { putBillingTerms } from "../billing/billing-terms.ts";
import { recordOutcomes } from "../billing/record-outcomes.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { runShieldCli } from "../testing/run-shield-cli.ts";

let db: Db;
let stripeApi: StripeApiServer;
let customer: string;

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  stripeApi = await startStripeApiServer({ secretKey: "sk_test_cli" });
  const stripe = new Stripe("sk_test_cli", {
    host: stripeApi.host,
    port: stripeApi.port,
    protocol: "http",
  });
  customer = (
    await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    })
  ).id;
  await db.query("INSERT INTO tenants (id, name) VALUES ('ten_bill', 'bill')");
  await tenantDb(db, "ten_bill").transaction(async (tx) => {
    await appendAuditRecords(
      tx,
      [1, 2].map((n) => ({
        kind: "bid",
        at: Date.UTC(2026, 10, n),
        body: {
          decisionId: `d${n}`,
          clientId: n === 1 ? "acme" : "zed",
          campaignId: "c",
          platform: "meta",
          externalId: `x${n}`,
          spendMicros: 1_000_000_000,
        },
      })),
    );
    await recordOutcomes(
      tx,
      ["acme", "zed"].map((clientId) => ({
        outcomeId: `o_${clientId}`,
        clientId,
        campaignId: "c",
        customerId: "u",
        ltvMicros: 4_470_000_000,
        occurredAt: "2026-11-20T00:00:00Z",
      })),
    );
    await putBillingTerms(
      tx,
      "acme",
      { baselineRoasBps: 30_000, payment: { provider: "stripe", customerId: customer } },
      0,
    );
    await putBillingTerms(
      tx,
      "zed",
      { baselineRoasBps: 30_000, payment: { provider: "paypal", customerId: "v1" } },
      0,
    );
  });
});
afterAll(async () => {
  await stripeApi?.close();
  await db?.close();
});

const withStripe = () => ({
  db,
  settings: { stripeSecretKey: "sk_test_cli", stripeApiUrl: stripeApi.url },
});

describe(`kamiyo shield bill (${testDbKind})`, () => {
  it("prints the invoices of a dry run without storing them", async () => {
    const dry = await runShieldCli(
      withStripe(),
      "bill",
      "--tenant",
      "ten_bill",
      "--period",
      "2026-11",
      "--dry-run",
      "--json",
    );
    expect(dry.code, dry.err).toBe(0);
    const json = JSON.parse(dry.out);
    expect(
      json.bills.map((b: { invoice: { clientId: string; earningsCents: number }; step: null }) => [
        b.invoice.clientId,
        b.invoice.earningsCents,
        b.step,
      ]),
    ).toEqual([
      ["acme", 22_050, null],
      ["zed", 22_050, null],
    ]);
    const [{ n }] = (await tenantDb(db, "ten_bill").query<{ n: number }>(
      "SELECT count(*)::int AS n FROM shield_invoices",
    )) as [{ n: number }];
    expect(n).toBe(0);
  });

  it("bills through the configured provider, exits 1 naming a provider that is not configured, and resumes", async () => {
    const run = await runShieldCli(
      withStripe(),
      "bill",
      "--tenant",
      "ten_bill",
      "--period",
      "2026-11",
    );
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /^acme 2026-11: spend \$1000\.00 LTV \$4470\.00 ROAS 4\.47 \(baseline 3\.00\) additional \$1470\.00 × 15 % = \$220\.50 {2}soi_[0-9a-f]{24} synced payment in_/m,
    );
    expect(run.out).toMatch(/^zed .* invoiced; stopped: paypal is not configured$/m);
    const only = await runShieldCli(
      withStripe(),
      "bill",
      "--tenant",
      "ten_bill",
      "--period",
      "2026-11",
      "--client",
      "acme",
      "--json",
    );
    expect(only.code).toBe(0);
    expect(JSON.parse(only.out).bills).toHaveLength(1);
  });

  it("refuses a bad period, client or tenant with a CliError (exit 2) naming it", async () => {
    const cases: [string[], string][] = [
      [["--tenant", "ten_bill", "--period", "2026-13"], "--period: expected a month like 2026-11"],
      [
        ["--tenant", "ten_bill", "--period", "2026-11-05/2026-11-01"],
        "--period: 2026-11-01 must be after 2026-11-05",
      ],
      [["--tenant", "ten_bill", "--period", "2026-02-30/2026-03-01"], "does not exist"],
      [["--tenant", "ten_bill", "--period", "2026-11", "--client", "a b"], "--client: expected"],
      [["--tenant", "ten_nobody", "--period", "2026-11"], "--tenant: no tenant ten_nobody"],
    ];
    for (const [args, message] of cases) {
      const err = await runShieldCli(db, "bill", ...args).catch((e: unknown) => e);
      expect(err, args.join(" ")).toBeInstanceOf(CliError);
      expect((err as CliError).message).toContain(message);
    }
  });
});
