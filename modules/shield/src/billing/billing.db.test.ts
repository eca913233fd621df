import { stripeClient, stripeConfig } from "@kamiyo/billing/stripe";
import { type StripeApiServer, startStripeApiServer } from "@kamiyo/billing/testing";
import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditRecords } from "../audit/append.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import {
  type HubSpotApiServer,
  startHubSpotApiServer,
} from "../testing/hubspot-api/hubspot-api-server.ts";
import {
  type PayPalApiServer,
  startPayPalApiServer,
} from "../testing/paypal-api/paypal-api-server.ts";
import {
  type SalesforceApiServer,
  startSalesforceApiServer,
} from "../testing/salesforce-api/salesforce-api-server.ts";
import { startZuoraApiServer, type ZuoraApiServer } from "../testing/zuora-api/zuora-api-server.ts";
import type { BidRecordBody, OutcomeRecordBody } from "./audit-kinds.ts";
import { type BillPeriodDeps, billPeriod } from "./bill-period.ts";
import { parseOutcomePeriod } from "./billing-period.ts";
import { type BillingTermsInput, putBillingTerms } from "./billing-terms.ts";
import { HubSpotCrm, hubspotClient } from "./crm/hubspot-crm.ts";
import { SalesforceCrm } from "./crm/salesforce-crm.ts";
import { outcomeInvoices, platformInvoiceOf } from "./outcome-invoice.ts";
import { PayPalPayments, paypalClient } from "./payments/paypal-payments.ts";
import { StripePayments } from "./payments/stripe-payments.ts";
import { ZuoraPayments } from "./payments/zuora-payments.ts";
import { recordOutcomes } from "./record-outcomes.ts";

const NOV = parseOutcomePeriod("2026-11");
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 0, 5);
let db: Db;
let stripeApi: StripeApiServer;
let stripe: Stripe;
let paypalApi: PayPalApiServer;
let hubspotApi: HubSpotApiServer;
let zuoraApi: ZuoraApiServer;
let salesforceApi: SalesforceApiServer;
const ZUORA_ACCOUNT = "8ad09be48db5aba7018db604776d4854";
let providers: Pick<BillPeriodDeps, "payments" | "crms">;
let tenants = 0;

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  stripeApi = await startStripeApiServer({ secretKey: "sk_test_shield" });
  stripe = stripeClient({
    ...stripeConfig.parse({ apiUrl: stripeApi.url, timeoutMs: 5_000 }),
    secretKey: "sk_test_shield",
  });
  paypalApi = await startPayPalApiServer({ vaultIds: ["8kk8451t"] });
  hubspotApi = await startHubSpotApiServer({ accessToken: "pat-na1-shield" });
  zuoraApi = await startZuoraApiServer({ accountIds: [ZUORA_ACCOUNT] });
  salesforceApi = await startSalesforceApiServer();
  providers = {
    payments: {
      stripe: new StripePayments(stripe),
      paypal: new PayPalPayments(
        paypalClient({
          clientId: "local-client",
          clientSecret: "local-secret",
          environment: "sandbox",
          apiUrl: paypalApi.url,
          timeoutMs: 5_000,
        }),
      ),
      zuora: new ZuoraPayments({
        clientId: "local-zuora-client",
        clientSecret: "local-zuora-secret",
        apiUrl: zuoraApi.url,
        timeoutMs: 5_000,
      }),
    },
    crms: {
      hubspot: new HubSpotCrm(
        hubspotClient({ accessToken: "pat-na1-shield", apiUrl: hubspotApi.url, timeoutMs: 5_000 }),
        5_000,
      ),
      salesforce: new SalesforceCrm({
        clientId: "3MVG9local",
        clientSecret: "local-salesforce-secret",
        loginUrl: salesforceApi.url,
        timeoutMs: 5_000,
      }),
    },
  };
});
afterAll(async () => {
  await Promise.all([
    stripeApi?.close(),
    paypalApi?.close(),
    hubspotApi?.close(),
    zuoraApi?.close(),
    salesforceApi?.close(),
  ]);
  await db?.close();
});

const bid = (clientId: string, n: number, spendMicros: number | string): BidRecordBody => ({
  decisionId: `dec_${clientId}_${n}`,
  clientId,
  campaignId: "cmp_spring",
  platform: "google_ads",
  externalId: `ext_${n}`,
  spendMicros,
});
const outcome = (
  clientId: string,
  n: number,
  ltvMicros: number | string,
  at: number,
): OutcomeRecordBody => ({
  outcomeId: `out_${clientId}_${n}`,
  clientId,
  campaignId: "cmp_spring",
  customerId: `cus_${n}`,
  ltvMicros,
  occurredAt: new Date(at).toISOString(),
});

/**
 * A tenant whose trail holds the seed's example for `client` in November 2026 (bids of $1,000 in
 * all, outcomes worth $4,470) and records that must not count: October's bid, December's outcome,
 * another client's bid, a decision.
 */
async function seededTenant(client = "acme"): Promise<string> {
  const id = `ten_bill_${++tenants}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  await tenantDb(db, id).transaction(async (tx) => {
    await appendAuditRecords(tx, [
      { kind: "bid", at: NOV.start - DAY, body: bid(client, 0, 999_000_000) },
      { kind: "bid", at: NOV.start, body: bid(client, 1, 400_000_000) },
      { kind: "decision", at: NOV.start + DAY, body: { decisionId: "d", verdict: "allow" } },
      { kind: "bid", at: NOV.start + 2 * DAY, body: bid(client, 2, "599999999") },
      { kind: "bid", at: NOV.start + 3 * DAY, body: bid("other", 3, 5_000_000_000) },
      { kind: "bid", at: NOV.end - 1, body: bid(client, 4, 1) },
    ]);
    await recordOutcomes(tx, [
      outcome(client, 1, 4_000_000_000, NOV.start + 5 * DAY),
      outcome(client, 2, "470000000", NOV.end - 1_000),
      outcome(client, 3, 9_000_000_000, NOV.end),
    ]);
  });
  return id;
}

async function withTerms(tenantId: string, terms: BillingTermsInput, client = "acme") {
  await putBillingTerms(tenantDb(db, tenantId), client, terms, NOW);
}

const stripeCustomer = async () =>
  (
    await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    })
  ).id;

const deps = (afterCall?: BillPeriodDeps["afterCall"]): BillPeriodDeps => ({
  db,
  now: () => NOW,
  ...providers,
  ...(afterCall ? { afterCall } : {}),
});

async function stripeInvoicesOf(customer: string) {
  const list = await stripe.invoices.list({ customer, limit: 100 });
  return list.data;
}

describe(`outcome billing from the audit trail (${testDbKind})`, () => {
  it("bills the seed's example at exactly $220.50: Stripe charges it once, HubSpot holds one deal", async () => {
    const tenant = await seededTenant();
    const customer = await stripeCustomer();
    const company = hubspotApi.addCompany("Acme");
    await withTerms(tenant, {
      baselineRoasBps: 30_000,
      payment: { provider: "stripe", customerId: customer },
      crm: { provider: "hubspot", accountId: company },
    });
    const run = await billPeriod(deps(), tenant, NOV);
    expect(run.withoutTerms).toEqual(["other"]);
    const [bill] = run.bills;
    expect(bill?.stopped).toBeNull();
    expect(bill?.step).toBe("synced");
    expect(bill?.invoice).toMatchObject({
      clientId: "acme",
      spendMicros: "1000000000",
      ltvMicros: "4470000000",
      bids: 3,
      outcomes: 2,
      roasBps: 44_700,
      marginImprovementBps: 4_900,
      additionalRevenueCents: "147000",
      shareBps: 1_500,
      earningsCents: 22_050,
      audit: { firstSeq: 2, lastSeq: 8, throughSeq: 9 },
    });
    const invoices = await stripeInvoicesOf(customer);
    expect(invoices.map((i) => [i.status, i.amount_paid, i.id])).toEqual([
      ["paid", 22_050, bill?.paymentId],
    ]);
    const deal = hubspotApi
      .deals()
      .find((d) => d.properties.shield_invoice_id === bill?.invoice.id);
    expect(deal?.properties.amount).toBe("220.50");
    expect(bill?.crmId).toBe(deal?.id);
    // Once billed, a period keeps its invoice and a second run sends nothing.
    const again = await billPeriod(deps(), tenant, NOV);
    expect(again.bills[0]?.invoice).toEqual(bill?.invoice);
    expect(await stripeInvoicesOf(customer)).toHaveLength(1);
    expect(await outcomeInvoices(tenantDb(db, tenant))).toEqual([bill?.invoice]);
    expect(platformInvoiceOf(tenant, bill?.invoice as never)).toMatchObject({
      totalCents: 22_050,
      lines: [{ kind: "outcome", product: "shield", plan: "shield_oaas", amountCents: 22_050 }],
    });
  });

  let paymentsBefore = 0;
  const stripePoints = [
    "saved invoiced",
    "stripe.invoices.create",
    "stripe.invoiceItems.create",
    "stripe.invoices.finalizeInvoice",
    "stripe.invoices.pay",
    "saved paid",
    "hubspot.deals.upsert",
    "hubspot.associations.createDefault",
    "hubspot.companies.update",
    "saved synced",
  ];
  it.each(stripePoints)(
    "resumes after a crash at %s: one invoice, one Stripe charge, one deal",
    async (point) => {
      const tenant = await seededTenant();
      const customer = await stripeCustomer();
      const company = hubspotApi.addCompany(`Acme ${point}`);
      await withTerms(tenant, {
        baselineRoasBps: 30_000,
        payment: { provider: "stripe", customerId: customer },
        crm: { provider: "hubspot", accountId: company },
      });
      let crashed = false;
      const crashing = deps((call) => {
        if (call === point && !crashed) {
          crashed = true;
          throw new Error(`crash at ${call}`);
        }
      });
      const first = await billPeriod(crashing, tenant, NOV).then(
        (r) => r.bills[0]?.stopped,
        (e: Error) => e.message,
      );
      expect(crashed).toBe(true);
      expect(first).toBe(`crash at ${point}`);
      const resumed = await billPeriod(deps(), tenant, NOV);
      const bill = resumed.bills[0];
      expect(bill?.step).toBe("synced");
      const invoices = await stripeInvoicesOf(customer);
      expect(invoices.map((i) => [i.status, i.amount_paid])).toEqual([["paid", 22_050]]);
      const items = await stripe.invoiceItems.list({ invoice: invoices[0]?.id as string });
      expect(items.data).toHaveLength(1);
      const deals = hubspotApi
        .deals()
        .filter((d) => d.properties.shield_invoice_id === bill?.invoice.id);
      expect(deals).toHaveLength(1);
      expect(hubspotApi.associations()).toContain(`${deals[0]?.id}:${company}`);
      expect(hubspotApi.companies().find((c) => c.id === company)?.properties.shield_earnings).toBe(
        "220.50",
      );
      expect(await outcomeInvoices(tenantDb(db, tenant))).toHaveLength(1);
    },
  );

  it.each(["paypal.orders.create", "saved paid"])(
    "resumes a PayPal run after a crash at %s: one order",
    async (point) => {
      const tenant = await seededTenant();
      await withTerms(tenant, {
        baselineRoasBps: 30_000,
        payment: { provider: "paypal", customerId: "8kk8451t" },
      });
      let crashed = false;
      await billPeriod(
        deps((call) => {
          if (call === point && !crashed) {
            crashed = true;
            throw new Error("crash");
          }
        }),
        tenant,
        NOV,
      );
      const resumed = await billPeriod(deps(), tenant, NOV);
      const bill = resumed.bills[0];
      expect(bill?.step).toBe("synced");
      const orders = paypalApi
        .orders()
        .filter((o) => JSON.stringify(o).includes(bill?.invoice.id as string));
      expect(orders.map((o) => o.id)).toEqual([bill?.paymentId]);
      expect(orders[0]?.purchase_units).toMatchObject([
        { amount: { currency_code: "USD", value: "220.50" } },
      ]);
    },
  );

  it.each(["zuora.invoices.create", "zuora.payments.create", "saved paid"])(
    "resumes a Zuora run after a crash at %s: one invoice, one payment",
    async (point) => {
      const tenant = await seededTenant();
      await withTerms(tenant, {
        baselineRoasBps: 30_000,
        payment: { provider: "zuora", customerId: ZUORA_ACCOUNT },
      });
      let crashed = false;
      await billPeriod(
        deps((call) => {
          if (call === point && !crashed) {
            crashed = true;
            throw new Error("crash");
          }
        }),
        tenant,
        NOV,
      );
      expect(crashed).toBe(true);
      const bill = (await billPeriod(deps(), tenant, NOV)).bills[0];
      expect(bill?.step).toBe("synced");
      const invoices = zuoraApi.invoices().filter((i) => i.id === bill?.paymentId);
      expect(invoices).toMatchObject([{ amount: 220.5, balance: 0 }]);
      expect(zuoraApi.payments().length - paymentsBefore).toBe(1);
      paymentsBefore = zuoraApi.payments().length;
    },
  );

  it.each(["salesforce.opportunity.upsert", "salesforce.account.update", "saved synced"])(
    "resumes a Salesforce sync after a crash at %s: one opportunity",
    async (point) => {
      const tenant = await seededTenant();
      const account = salesforceApi.addAccount(`Acme ${point}`);
      await withTerms(tenant, {
        baselineRoasBps: 30_000,
        payment: { provider: "paypal", customerId: "8kk8451t" },
        crm: { provider: "salesforce", accountId: account },
      });
      let crashed = false;
      await billPeriod(
        deps((call) => {
          if (call === point && !crashed) {
            crashed = true;
            throw new Error("crash");
          }
        }),
        tenant,
        NOV,
      );
      expect(crashed).toBe(true);
      const bill = (await billPeriod(deps(), tenant, NOV)).bills[0];
      expect(bill?.step).toBe("synced");
      const opportunities = salesforceApi.opportunities().filter((o) => o.AccountId === account);
      expect(opportunities.map((o) => [o.Id, o.Amount, o.Shield_Invoice_Id__c])).toEqual([
        [bill?.crmId, 220.5, bill?.invoice.id],
      ]);
      expect(salesforceApi.accounts().find((a) => a.Id === account)).toMatchObject({
        Shield_Earnings__c: 220.5,
      });
    },
  );

  it("charges nothing when the additional revenue is not positive, and stops at an unconfigured provider", async () => {
    const tenant = await seededTenant();
    const customer = await stripeCustomer();
    await withTerms(tenant, {
      baselineRoasBps: 50_000,
      payment: { provider: "stripe", customerId: customer },
    });
    const [bill] = (await billPeriod(deps(), tenant, NOV)).bills;
    expect(bill).toMatchObject({ step: "synced", paymentId: null, stopped: null });
    expect(bill?.invoice).toMatchObject({ additionalRevenueCents: "-53000", earningsCents: 0 });
    expect(await stripeInvoicesOf(customer)).toEqual([]);

    const other = await seededTenant();
    await withTerms(other, {
      baselineRoasBps: 30_000,
      payment: { provider: "zuora", customerId: "A-1" },
    });
    const withoutZuora = { ...deps(), payments: { stripe: providers.payments.stripe } };
    const [stopped] = (await billPeriod(withoutZuora, other, NOV)).bills;
    expect(stopped).toMatchObject({ step: "invoiced", stopped: "zuora is not configured" });
  });

  it("bills an outcome recorded after its period's invoice once, as a correction on the next invoice", async () => {
    const tenant = await seededTenant();
    const customer = await stripeCustomer();
    await withTerms(tenant, {
      baselineRoasBps: 30_000,
      payment: { provider: "stripe", customerId: customer },
    });
    const late = (n: number, ltvMicros: number) =>
      tenantDb(db, tenant).transaction((tx) =>
        recordOutcomes(tx, [outcome("acme", n, ltvMicros, NOV.start + 10 * DAY)]),
      );
    const nov = (await billPeriod(deps(), tenant, NOV)).bills[0]?.invoice;
    expect(nov).toMatchObject({ earningsCents: 22_050, corrections: [], amountDueCents: 22_050 });

    // A November outcome worth $300 recorded after November's invoice: 15 % of it is $45.
    await late(10, 300_000_000);
    const DEC = parseOutcomePeriod("2026-12");
    const [dec] = (await billPeriod(deps(), tenant, DEC)).bills;
    expect(dec?.stopped).toBeNull();
    expect(dec?.invoice).toMatchObject({
      // December has the seed's $9,000 outcome but no spend: it earns nothing of its own.
      period: { label: "2026-12" },
      earningsCents: 0,
      corrections: [
        {
          invoiceId: nov?.id,
          period: { label: "2026-11" },
          afterSeq: nov?.audit.throughSeq,
          lateLtvMicros: "300000000",
          lateOutcomes: 1,
          lateBids: 0,
          earningsCents: 26_550,
          billedCents: 22_050,
          amountCents: 4_500,
        },
      ],
      amountDueCents: 4_500,
    });
    expect(platformInvoiceOf(tenant, dec?.invoice as never)).toMatchObject({
      totalCents: 4_500,
      lines: [
        { kind: "outcome", amountCents: 0 },
        { kind: "correction", amountCents: 4_500 },
      ],
    });
    // November's invoice is final: unchanged. December's run again charges nothing more.
    expect((await billPeriod(deps(), tenant, NOV)).bills[0]?.invoice).toEqual(nov);
    expect((await billPeriod(deps(), tenant, DEC)).bills[0]?.invoice).toEqual(dec?.invoice);

    // Nothing late since December's invoice: January has nothing to bill.
    const JAN = parseOutcomePeriod("2027-01");
    expect((await billPeriod(deps(), tenant, JAN, { dryRun: true })).bills).toEqual([]);
    // Another $100 for November: a January invoice holding the correction alone, billed once.
    await late(11, 100_000_000);
    const [jan] = (await billPeriod(deps(), tenant, JAN)).bills;
    expect(jan?.invoice).toMatchObject({
      spendMicros: "0",
      earningsCents: 0,
      corrections: [{ earningsCents: 28_050, billedCents: 26_550, amountCents: 1_500 }],
      amountDueCents: 1_500,
    });
    expect(
      (await stripeInvoicesOf(customer)).map((i) => i.amount_paid).sort((a, b) => a - b),
    ).toEqual([1_500, 4_500, 22_050]);
  });

  it("invoices no client whose stored terms are in a currency without cents, and charges nothing", async () => {
    const tenant = await seededTenant();
    const customer = await stripeCustomer();
    await withTerms(tenant, {
      baselineRoasBps: 30_000,
      payment: { provider: "stripe", customerId: customer },
    });
    // As terms saved before the currency was checked: the owner writes the yen in.
    await db.query("UPDATE shield_billing_terms SET currency = 'jpy' WHERE tenant_id = $1", [
      tenant,
    ]);
    const run = await billPeriod(deps(), tenant, NOV);
    expect(run.bills).toEqual([]);
    expect(run.refused).toEqual([
      { clientId: "acme", reason: expect.stringMatching(/^currency: jpy is not billed in cents/) },
    ]);
    expect(await outcomeInvoices(tenantDb(db, tenant))).toEqual([]);
    expect(await stripeInvoicesOf(customer)).toEqual([]);
  });

  it("computes without storing or sending on a dry run, and bills one client with clientId", async () => {
    const tenant = await seededTenant();
    await withTerms(tenant, { baselineRoasBps: 30_000, shareBps: 2_000 });
    await withTerms(tenant, { baselineRoasBps: 30_000 }, "other");
    const dry = await billPeriod(deps(), tenant, NOV, { dryRun: true });
    expect(dry.bills.map((b) => [b.invoice.clientId, b.invoice.earningsCents, b.step])).toEqual([
      ["acme", 29_400, null],
      ["other", 0, null],
    ]);
    expect(await outcomeInvoices(tenantDb(db, tenant))).toEqual([]);
    const one = await billPeriod(deps(), tenant, NOV, { clientId: "other" });
    expect(one.bills.map((b) => b.invoice.clientId)).toEqual(["other"]);
  });

  it("refuses to bill from a bid record it cannot read, naming its seq and field", async () => {
    const tenant = await seededTenant();
    await withTerms(tenant, { baselineRoasBps: 30_000 });
    await tenantDb(db, tenant).transaction((tx) =>
      appendAuditRecords(tx, [
        { kind: "bid", at: NOV.start, body: { ...bid("acme", 9, 1), spendMicros: 1.5 } },
      ]),
    );
    await expect(billPeriod(deps(), tenant, NOV)).rejects.toThrow(
      /audit record 10 \(bid\): spendMicros/,
    );
    expect(await outcomeInvoices(tenantDb(db, tenant))).toEqual([]);
  });

  it("records an outcome once by its id, and refuses a body that is not an outcome", async () => {
    const tenant = await seededTenant("solo");
    const again = await tenantDb(db, tenant).transaction((tx) =>
      recordOutcomes(tx, [
        outcome("solo", 1, 4_000_000_000, NOV.start + 5 * DAY),
        outcome("solo", 9, 5, NOV.start),
        outcome("solo", 9, 5, NOV.start),
      ]),
    );
    expect(again.map((r) => r.created)).toEqual([false, true, false]);
    expect(again[1]?.seq).toBe(again[2]?.seq);
    const [{ n }] = (await tenantDb(db, tenant).query<{ n: number }>(
      "SELECT count(*)::int AS n FROM shield_audit_records WHERE kind = 'outcome'",
    )) as [{ n: number }];
    expect(n).toBe(4);
    await expect(
      tenantDb(db, tenant).transaction((tx) =>
        recordOutcomes(tx, [{ ...outcome("solo", 10, 1, NOV.start), ltvMicros: -5 }]),
      ),
    ).rejects.toThrow(/ltvMicros/);
    await expect(
      tenantDb(db, tenant).transaction((tx) =>
        recordOutcomes(tx, [outcome("solo", 11, 1, NOV.start), outcome("solo", 11, 2, NOV.start)]),
      ),
    ).rejects.toThrow("outcome out_solo_11 was recorded with another body");
  });
});
