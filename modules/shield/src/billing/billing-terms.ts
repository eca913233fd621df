import { planById } from "@kamiyo/billing";
import type { Queryable } from "@kamiyo/db";
import { z } from "zod";
import { clientIdSchema } from "./audit-kinds.ts";
import { centsCurrencyProblem } from "./currency.ts";

/** Payment providers an invoice may be collected through. */
export const PAYMENT_PROVIDERS = ["stripe", "paypal", "zuora"] as const;
export type PaymentProviderKind = (typeof PAYMENT_PROVIDERS)[number];
/** CRMs an invoice may be recorded in. */
export const CRM_PROVIDERS = ["salesforce", "hubspot"] as const;
export type CrmProviderKind = (typeof CRM_PROVIDERS)[number];

/** Shield's share when a client's terms set none: the `shield_oaas` plan's (15 %). */
export const DEFAULT_SHARE_BPS = planById("shield_oaas").outcomeShareBps ?? 1_500;

/** What a tenant sets for one client (the body of `PUT /shield/billing-terms/{clientId}`). */
export const billingTermsInput = z.strictObject({
  baselineRoasBps: z
    .number()
    .int()
    .min(1)
    .max(100_000_000)
    .describe("The client's ROAS without Shield, basis points (3.0 is 30000)"),
  shareBps: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .nullable()
    .default(null)
    .describe("Shield's share of the additional revenue, basis points; null: the plan's (1500)"),
  currency: z
    .string()
    .superRefine((currency, ctx) => {
      const problem = centsCurrencyProblem(currency);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default("usd")
    .describe("ISO 4217, lower case: a currency whose minor unit is the hundredth (usd, eur, gbp)"),
  payment: z
    .strictObject({
      provider: z.enum(PAYMENT_PROVIDERS),
      customerId: z
        .string()
        .min(1)
        .max(255)
        .describe("The client at the provider: Stripe customer, PayPal vault id, Zuora account"),
    })
    .nullable()
    .default(null),
  crm: z
    .strictObject({
      provider: z.enum(CRM_PROVIDERS),
      accountId: z
        .string()
        .min(1)
        .max(255)
        .describe("The client's account: Salesforce Account id, HubSpot company id"),
    })
    .nullable()
    .default(null),
});
export type BillingTermsInput = z.input<typeof billingTermsInput>;

/** A client's billing terms as stored. */
export interface BillingTerms extends z.output<typeof billingTermsInput> {
  clientId: string;
  updatedAt: number;
}

/**
 * Sets a client's terms (insert or replace), in the tenant's view of the database.
 * @throws ZodError naming the field for bad input.
 */
export async function putBillingTerms(
  q: Queryable,
  clientId: string,
  input: BillingTermsInput,
  nowMs: number,
): Promise<BillingTerms> {
  const id = clientIdSchema.parse(clientId);
  const t = billingTermsInput.parse(input);
  await q.query(
    `INSERT INTO shield_billing_terms (tenant_id, client_id, baseline_roas_bps, share_bps, currency,
       payment_provider, payment_customer_id, crm_provider, crm_account_id, updated_at)
     VALUES (current_setting('app.tenant_id'), $1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, client_id) DO UPDATE SET baseline_roas_bps = EXCLUDED.baseline_roas_bps,
       share_bps = EXCLUDED.share_bps, currency = EXCLUDED.currency,
       payment_provider = EXCLUDED.payment_provider, payment_customer_id = EXCLUDED.payment_customer_id,
       crm_provider = EXCLUDED.crm_provider, crm_account_id = EXCLUDED.crm_account_id,
       updated_at = EXCLUDED.updated_at`,
    [
      id,
      t.baselineRoasBps,
      t.shareBps,
      t.currency,
      t.payment?.provider ?? null,
      t.payment?.customerId ?? null,
      t.crm?.provider ?? null,
      t.crm?.accountId ?? null,
      new Date(nowMs),
    ],
  );
  return { ...t, clientId: id, updatedAt: nowMs };
}

interface TermsRow {
  client_id: string;
  baseline_roas_bps: number;
  share_bps: number | null;
  currency: string;
  payment_provider: PaymentProviderKind | null;
  payment_customer_id: string | null;
  crm_provider: CrmProviderKind | null;
  crm_account_id: string | null;
  updated_at: Date;
}

/** The tenant's clients' terms (all, or the one `clientId`), by client id. */
export async function billingTermsOf(q: Queryable, clientId?: string): Promise<BillingTerms[]> {
  const rows = await q.query<TermsRow>(
    `SELECT client_id, baseline_roas_bps, share_bps, currency, payment_provider,
       payment_customer_id, crm_provider, crm_account_id, updated_at
     FROM shield_billing_terms WHERE ($1::text IS NULL OR client_id = $1) ORDER BY client_id`,
    [clientId ?? null],
  );
  return rows.map((r) => ({
    clientId: r.client_id,
    baselineRoasBps: r.baseline_roas_bps,
    shareBps: r.share_bps,
    currency: r.currency,
    payment:
      r.payment_provider && r.payment_customer_id
        ? { provider: r.payment_provider, customerId: r.payment_customer_id }
        : null,
    crm:
      r.crm_provider && r.crm_account_id
        ? { provider: r.crm_provider, accountId: r.crm_account_id }
        : null,
    updatedAt: r.updated_at.getTime(),
  }));
}
