import { type ApiDeps, errorResponses, forTenant, limitParam, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { clientIdSchema, outcomeRecordBody } from "../billing/audit-kinds.ts";
import { billingTermsInput, billingTermsOf, putBillingTerms } from "../billing/billing-terms.ts";
import { outcomeInvoiceById, outcomeInvoices } from "../billing/outcome-invoice.ts";
import { recordOutcomes } from "../billing/record-outcomes.ts";

const invoiceSchema = z
  .object({
    id: z.string(),
    clientId: z.string(),
    period: z.object({ start: z.string(), end: z.string(), label: z.string() }),
    currency: z.string(),
    spendMicros: z.string().describe("Σ spend of the period's bids, integer micros"),
    ltvMicros: z.string().describe("Σ value of the period's outcomes, integer micros"),
    bids: z.number().int(),
    outcomes: z.number().int(),
    roasBps: z.number().int().nullable().describe("LTV / spend, basis points; null without spend"),
    baselineRoasBps: z.number().int(),
    marginImprovementBps: z.number().int().nullable(),
    additionalRevenueCents: z.string().describe("LTV − baseline × spend, cents (may be < 0)"),
    shareBps: z.number().int(),
    earningsCents: z.number().int().describe("share × additional revenue; 0 when that is ≤ 0"),
    corrections: z
      .array(
        z.object({
          invoiceId: z.string(),
          currency: z.string(),
          period: z.object({ start: z.string(), end: z.string(), label: z.string() }),
          afterSeq: z.number().int(),
          throughSeq: z.number().int(),
          lateSpendMicros: z.string(),
          lateLtvMicros: z.string(),
          lateBids: z.number().int(),
          lateOutcomes: z.number().int(),
          earningsCents: z.number().int(),
          billedCents: z.number().int(),
          amountCents: z.number().int(),
        }),
      )
      .describe(
        "Earlier periods billed again from records appended after their invoices (late outcomes)",
      ),
    amountDueCents: z
      .number()
      .int()
      .describe("What the client is charged: earningsCents + the corrections' amountCents"),
    rounding: z.literal("half-up"),
    audit: z
      .object({
        firstSeq: z.number().int().nullable(),
        lastSeq: z.number().int().nullable(),
        throughSeq: z.number().int(),
        headHash: z.string(),
      })
      .describe("The audit records counted, and the chain's hash at the last record read"),
    createdAt: z.string(),
  })
  .meta({ id: "ShieldInvoice" });

const termsSchema = billingTermsInput
  .extend({ clientId: z.string(), updatedAt: z.string() })
  .meta({ id: "ShieldBillingTerms" });

const termsJson = (t: Awaited<ReturnType<typeof billingTermsOf>>[number]) => ({
  ...t,
  updatedAt: new Date(t.updatedAt).toISOString(),
});

/**
 * Outcome billing's routes: outcomes recorded to the audit trail (`POST /shield/outcomes`, once per
 * `outcomeId`), a client's billing terms (`PUT /shield/billing-terms/{clientId}`,
 * `GET /shield/billing-terms`) and the invoices made from the trail (`GET /shield/invoices`, one by
 * id). Everything through the tenant's view of the database.
 */
export function outcomeRoutes(app: ZodApp, deps: ApiDeps): void {
  app.post(
    "/shield/outcomes",
    {
      config: { scope: "ingest:write", audit: false },
      schema: {
        tags: ["shield"],
        summary:
          "Record converted customers' value attributed to clients' campaigns (idempotent by outcomeId)",
        body: z.strictObject({ outcomes: z.array(outcomeRecordBody).min(1).max(1_000) }),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                outcomeId: z.string(),
                seq: z.number().int().describe("The audit record that holds it"),
                created: z.boolean().describe("false: recorded before; nothing appended"),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { db } = forTenant(deps, req);
      const data = await db.transaction((tx) => recordOutcomes(tx, req.body.outcomes));
      return { data };
    },
  );
  app.put(
    "/shield/billing-terms/:clientId",
    {
      config: { scope: "billing:write", audit: { action: "shield.billing_terms.put" } },
      schema: {
        tags: ["shield"],
        summary: "Set a client's billing terms: baseline ROAS, share, payment provider, CRM",
        params: z.object({ clientId: clientIdSchema }),
        body: billingTermsInput,
        response: { 200: termsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { db } = forTenant(deps, req);
      return termsJson(await putBillingTerms(db, req.params.clientId, req.body, deps.clock.now()));
    },
  );
  app.get(
    "/shield/billing-terms",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's clients' billing terms, by client id",
        response: { 200: z.object({ data: z.array(termsSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ data: (await billingTermsOf(forTenant(deps, req).db)).map(termsJson) }),
  );
  app.get(
    "/shield/invoices",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's outcome invoices, newest period first",
        querystring: z.object({
          clientId: clientIdSchema.optional(),
          limit: limitParam(1_000, 100),
        }),
        response: { 200: z.object({ data: z.array(invoiceSchema) }), ...errorResponses },
      },
    },
    async (req) => ({
      data: await outcomeInvoices(forTenant(deps, req).db, {
        limit: req.query.limit,
        ...(req.query.clientId ? { clientId: req.query.clientId } : {}),
      }),
    }),
  );
  app.get(
    "/shield/invoices/:id",
    {
      schema: {
        tags: ["shield"],
        summary: "One outcome invoice, with the audit range it was computed from",
        params: z.object({
          id: z.string().regex(/^soi_[0-9a-f]{24}$/, "expected soi_ and 24 hex digits"),
        }),
        response: { 200: invoiceSchema, ...errorResponses },
      },
    },
    async (req) => {
      const invoice = await outcomeInvoiceById(forTenant(deps, req).db, req.params.id);
      if (!invoice) throw new AppError("not_found", `no invoice ${req.params.id}`);
      return invoice;
    },
  );
}
