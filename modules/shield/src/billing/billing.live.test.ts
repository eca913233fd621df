/**
 * The live suite of outcome billing's integrations: each provider's sandbox, through the same
 * adapters the billing run uses. Needs the internet; runs only with KAMIYO_LIVE=1 and, per
 * provider, its sandbox credentials (`npm run test:live`):
 * - Stripe: STRIPE_TEST_SECRET_KEY (sk_test_…); makes a customer with a test card and charges it.
 * - PayPal: PAYPAL_SANDBOX_CLIENT_ID, PAYPAL_SANDBOX_CLIENT_SECRET and PAYPAL_SANDBOX_VAULT_ID (a
 *   sandbox buyer's vaulted wallet).
 * - Zuora: ZUORA_SANDBOX_CLIENT_ID, ZUORA_SANDBOX_CLIENT_SECRET, ZUORA_SANDBOX_API_URL and
 *   ZUORA_SANDBOX_ACCOUNT_ID (an account with a default payment method).
 * - HubSpot: HUBSPOT_SANDBOX_ACCESS_TOKEN and HUBSPOT_SANDBOX_COMPANY_ID (the portal with the
 *   deal and company properties of docs/shield.md).
 * - Salesforce: SALESFORCE_SANDBOX_CLIENT_ID, SALESFORCE_SANDBOX_CLIENT_SECRET,
 *   SALESFORCE_SANDBOX_LOGIN_URL and SALESFORCE_SANDBOX_ACCOUNT_ID (the org with the fields).
 * Each test collects or records one invoice twice and checks the second call made nothing new.
 */
import { randomBytes } from "node:crypto";
import { stripeClient, stripeConfig } from "@kamiyo/billing/stripe";
import { describe, expect, it } from "vitest";
import { sampleInvoice } from "../testing/sample-invoice.ts";
import { HubSpotCrm, hubspotClient } from "./crm/hubspot-crm.ts";
import { SalesforceCrm } from "./crm/salesforce-crm.ts";
import type { OutcomeInvoice } from "./outcome-invoice.ts";
import { PayPalPayments, paypalClient } from "./payments/paypal-payments.ts";
import { StripePayments } from "./payments/stripe-payments.ts";
import { ZuoraPayments } from "./payments/zuora-payments.ts";

const env = process.env;
const live = env.KAMIYO_LIVE === "1";
const has = (...names: string[]) => live && names.every((n) => (env[n] ?? "") !== "");
const TIMEOUT_MS = 20_000;
/** A fresh invoice id per run (the sandboxes keep what earlier runs made). */
const invoiceId = () => `soi_${randomBytes(12).toString("hex")}`;
const request = (customerId: string) => ({
  invoiceId: invoiceId(),
  customerId,
  amountCents: 22_050,
  currency: "usd",
  description: "Kamiyo Shield live test: outcome share",
});
const invoice = (): OutcomeInvoice =>
  sampleInvoice({
    id: invoiceId(),
    clientId: "live-test",
    bids: 1,
    outcomes: 1,
    audit: { firstSeq: 1, lastSeq: 2, throughSeq: 2, headHash: "0".repeat(64) },
    createdAt: new Date().toISOString(),
  });

describe.runIf(has("STRIPE_TEST_SECRET_KEY"))("Stripe in test mode", () => {
  it("charges an invoice once", async () => {
    const key = env.STRIPE_TEST_SECRET_KEY as string;
    const stripe = stripeClient({ ...stripeConfig.parse({ secretKey: key }), secretKey: key });
    const customer = await stripe.customers.create({
      payment_method: "pm_card_visa",
      invoice_settings: { default_payment_method: "pm_card_visa" },
    });
    const payments = new StripePayments(stripe);
    const req = request(customer.id);
    const first = await payments.collect(req);
    expect(first.status).toBe("paid");
    expect(await payments.collect(req)).toEqual(first);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
  }, 60_000);
});

describe.runIf(
  has("PAYPAL_SANDBOX_CLIENT_ID", "PAYPAL_SANDBOX_CLIENT_SECRET", "PAYPAL_SANDBOX_VAULT_ID"),
)("PayPal sandbox", () => {
  it("captures one order from the vaulted wallet, once", async () => {
    const paypal = new PayPalPayments(
      paypalClient({
        clientId: env.PAYPAL_SANDBOX_CLIENT_ID as string,
        clientSecret: env.PAYPAL_SANDBOX_CLIENT_SECRET as string,
        environment: "sandbox",
        timeoutMs: TIMEOUT_MS,
      }),
    );
    const req = request(env.PAYPAL_SANDBOX_VAULT_ID as string);
    const first = await paypal.collect(req);
    expect(first.status).toBe("paid");
    expect(await paypal.collect(req)).toEqual(first);
  }, 60_000);
});

describe.runIf(
  has(
    "ZUORA_SANDBOX_CLIENT_ID",
    "ZUORA_SANDBOX_CLIENT_SECRET",
    "ZUORA_SANDBOX_API_URL",
    "ZUORA_SANDBOX_ACCOUNT_ID",
  ),
)("Zuora sandbox", () => {
  it("posts and pays one invoice, once", async () => {
    const zuora = new ZuoraPayments({
      clientId: env.ZUORA_SANDBOX_CLIENT_ID as string,
      clientSecret: env.ZUORA_SANDBOX_CLIENT_SECRET as string,
      apiUrl: env.ZUORA_SANDBOX_API_URL as string,
      timeoutMs: TIMEOUT_MS,
    });
    const req = request(env.ZUORA_SANDBOX_ACCOUNT_ID as string);
    const first = await zuora.collect(req);
    expect(await zuora.collect(req)).toEqual(first);
  }, 60_000);
});

describe.runIf(has("HUBSPOT_SANDBOX_ACCESS_TOKEN", "HUBSPOT_SANDBOX_COMPANY_ID"))(
  "HubSpot sandbox",
  () => {
    it("upserts one deal per invoice", async () => {
      const token = env.HUBSPOT_SANDBOX_ACCESS_TOKEN as string;
      const crm = new HubSpotCrm(
        hubspotClient({ accessToken: token, timeoutMs: TIMEOUT_MS }),
        TIMEOUT_MS,
      );
      const inv = invoice();
      const req = {
        invoice: inv,
        accountId: env.HUBSPOT_SANDBOX_COMPANY_ID as string,
        paymentId: null,
        paid: true,
      };
      const first = await crm.syncInvoice(req);
      expect(await crm.syncInvoice(req)).toEqual(first);
    }, 60_000);
  },
);

describe.runIf(
  has(
    "SALESFORCE_SANDBOX_CLIENT_ID",
    "SALESFORCE_SANDBOX_CLIENT_SECRET",
    "SALESFORCE_SANDBOX_LOGIN_URL",
    "SALESFORCE_SANDBOX_ACCOUNT_ID",
  ),
)("Salesforce sandbox", () => {
  it("upserts one opportunity per invoice", async () => {
    const crm = new SalesforceCrm({
      clientId: env.SALESFORCE_SANDBOX_CLIENT_ID as string,
      clientSecret: env.SALESFORCE_SANDBOX_CLIENT_SECRET as string,
      loginUrl: env.SALESFORCE_SANDBOX_LOGIN_URL as string,
      timeoutMs: TIMEOUT_MS,
    });
    const req = {
      invoice: invoice(),
      accountId: env.SALESFORCE_SANDBOX_ACCOUNT_ID as string,
      paymentId: null,
      paid: true,
    };
    const first = await crm.syncInvoice(req);
    expect(await crm.syncInvoice(req)).toEqual(first);
  }, 60_000);
});
