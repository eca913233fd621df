import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import { verifyAuditChain } from "../audit/verify.ts";
import type { OutcomePeriod } from "./billing-period.ts";
import type { BillingProviders } from "./billing-providers.ts";
import { type BillingTerms, billingTermsOf } from "./billing-terms.ts";
import { correctionsFor } from "./corrections.ts";
import { centsCurrencyProblem } from "./currency.ts";
import { type OutcomeInvoice, outcomeInvoiceOf, saveOutcomeInvoice } from "./outcome-invoice.ts";
import { noTotals, periodTotals } from "./outcome-totals.ts";
import type { AfterCall } from "./payments/payment-provider.ts";

/** How far an invoice's run got: made, collected (or nothing due), recorded in the CRM. */
export type BillingStep = "invoiced" | "paid" | "synced";

/** One client's invoice and its run. */
export interface ClientBill {
  invoice: OutcomeInvoice;
  /** null on a dry run (nothing stored or sent). */
  step: BillingStep | null;
  paymentId: string | null;
  crmId: string | null;
  /** Why the run stopped before `synced`: a provider not configured, or the error it failed with. */
  stopped: string | null;
}

/** A period's billing of a tenant. */
export interface PeriodBilling {
  tenantId: string;
  period: OutcomePeriod;
  bills: ClientBill[];
  /** Clients with spend or outcomes in the period but no billing terms. */
  withoutTerms: string[];
  /** Clients not invoiced, and why: terms in a currency outcome billing does not charge in. */
  refused: { clientId: string; reason: string }[];
}

/** What a run needs. */
export interface BillPeriodDeps extends BillingProviders {
  db: Db;
  now: () => number;
  /** Called after each outside call and each saved step (tests crash a run there). */
  afterCall?: AfterCall;
}

interface RunRow {
  step: BillingStep;
  payment_id: string | null;
  crm_id: string | null;
}

/**
 * Bills a tenant's clients for a period: audit trail → invoice → payment → CRM. Verifies the audit
 * chain first (a broken chain bills nothing), sums each client's spend and value up to the head
 * it verified, and for each client with terms and records in the period stores the invoice once
 * (a period invoiced before keeps its invoice) with a run row at `invoiced`; then collects it
 * through the terms' payment provider (`paid`, with the provider's id; nothing is charged when the
 * earnings are 0) and records it in the terms' CRM (`synced`), saving the step after each. Run
 * again after a crash anywhere, it resumes each invoice from its saved step, and the providers'
 * idempotency keys and lookups (by the invoice id) make a repeated call find the charge or deal
 * made before, never a second. One client's failure is recorded on its run (`stopped`,
 * `last_error`) and does not stop the others. With `dryRun`, computes the invoices only.
 * @throws Error when the audit trail is broken.
 */
export async function billPeriod(
  deps: BillPeriodDeps,
  tenantId: string,
  period: OutcomePeriod,
  opts: { clientId?: string; dryRun?: boolean } = {},
): Promise<PeriodBilling> {
  const verified = await verifyAuditChain(deps.db, tenantId);
  if (!verified.ok && verified.firstBroken)
    throw new Error(
      `the audit trail is broken at seq ${verified.firstBroken.seq} (${verified.firstBroken.reason}): nothing billed`,
    );
  const tdb = tenantDb(deps.db, tenantId);
  const out: PeriodBilling = { tenantId, period, bills: [], withoutTerms: [], refused: [] };
  if (!verified.head) return out;
  const totals = await periodTotals(deps.db, tenantId, period, {
    upToSeq: verified.head.seq,
    ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
  });
  const terms = new Map((await billingTermsOf(tdb, opts.clientId)).map((t) => [t.clientId, t]));
  const through = totals.through ?? verified.head;
  const corrections = await correctionsFor(deps.db, tenantId, period, through.seq, {
    ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
  });
  // The period's clients, and those with only late records for an earlier period to bill (with
  // no totals of their own).
  const clients = new Map(totals.clients);
  for (const clientId of corrections.keys())
    if (!clients.has(clientId)) clients.set(clientId, noTotals(clientId));
  for (const client of [...clients.values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1))) {
    const t = terms.get(client.clientId);
    if (!t) {
      out.withoutTerms.push(client.clientId);
      continue;
    }
    // Terms saved before currencies were checked: an invoice in cents would charge them wrong.
    const currencyProblem = centsCurrencyProblem(t.currency);
    if (currencyProblem) {
      out.refused.push({ clientId: client.clientId, reason: `currency: ${currencyProblem}` });
      continue;
    }
    const lines = corrections.get(client.clientId) ?? [];
    for (const c of lines.filter((c) => c.currency !== t.currency))
      out.refused.push({
        clientId: client.clientId,
        reason: `correction for ${c.period.label}: its invoice ${c.invoiceId} is in ${c.currency}, the terms now in ${t.currency}`,
      });
    const computed = outcomeInvoiceOf(
      tenantId,
      period,
      client,
      t,
      through,
      deps.now(),
      lines.filter((c) => c.currency === t.currency),
    );
    if (opts.dryRun) {
      out.bills.push({
        invoice: computed,
        step: null,
        paymentId: null,
        crmId: null,
        stopped: null,
      });
      continue;
    }
    const invoice = await tdb.transaction(async (tx) => {
      const saved = await saveOutcomeInvoice(tx, computed);
      await tx.query(
        `INSERT INTO shield_billing_runs (tenant_id, invoice_id, step, updated_at)
         VALUES (current_setting('app.tenant_id'), $1, 'invoiced', $2) ON CONFLICT DO NOTHING`,
        [saved.invoice.id, new Date(deps.now())],
      );
      return saved.invoice;
    });
    await deps.afterCall?.("saved invoiced");
    out.bills.push(await advance(deps, tdb, invoice, t));
  }
  return out;
}

/** Takes one invoice's run from its saved step as far as it can go. */
async function advance(
  deps: BillPeriodDeps,
  tdb: Queryable,
  invoice: OutcomeInvoice,
  terms: BillingTerms,
): Promise<ClientBill> {
  const [row] = await tdb.query<RunRow>(
    `SELECT step, payment_id, crm_id FROM shield_billing_runs WHERE invoice_id = $1`,
    [invoice.id],
  );
  const run = {
    step: row?.step ?? "invoiced",
    paymentId: row?.payment_id ?? null,
    crmId: row?.crm_id ?? null,
  };
  const bill = (stopped: string | null): ClientBill => ({ invoice, ...run, stopped });
  const save = async (
    step: BillingStep,
    from: BillingStep,
    fields: Record<string, string | null>,
  ) => {
    const cols = Object.keys(fields);
    await tdb.query(
      `UPDATE shield_billing_runs SET step = $2, updated_at = $3, last_error = NULL
         ${cols.map((c, i) => `, ${c} = $${i + 5}`).join("")}
       WHERE invoice_id = $1 AND step = $4`,
      [invoice.id, step, new Date(deps.now()), from, ...Object.values(fields)],
    );
    run.step = step;
    await deps.afterCall?.(`saved ${step}`);
  };
  try {
    if (run.step === "invoiced") {
      if (invoice.amountDueCents > 0) {
        if (!terms.payment) return bill("the client's terms name no payment provider");
        const provider = deps.payments[terms.payment.provider];
        if (!provider) return bill(`${terms.payment.provider} is not configured`);
        const paid = await provider.collect(
          {
            invoiceId: invoice.id,
            customerId: terms.payment.customerId,
            amountCents: invoice.amountDueCents,
            currency: invoice.currency,
            description: `Shield: ${invoice.shareBps / 100} % of the additional revenue of ${invoice.clientId}, ${invoice.period.label}${invoice.corrections.length > 0 ? `, with corrections for ${invoice.corrections.map((c) => c.period.label).join(", ")}` : ""}`,
          },
          deps.afterCall,
        );
        run.paymentId = paid.externalId;
        await save("paid", "invoiced", {
          payment_provider: provider.kind,
          payment_id: paid.externalId,
        });
      } else await save("paid", "invoiced", {});
    }
    if (run.step === "paid") {
      if (terms.crm) {
        const crm = deps.crms[terms.crm.provider];
        if (!crm) return bill(`${terms.crm.provider} is not configured`);
        const synced = await crm.syncInvoice(
          { invoice, accountId: terms.crm.accountId, paymentId: run.paymentId, paid: true },
          deps.afterCall,
        );
        run.crmId = synced.externalId;
        await save("synced", "paid", { crm_provider: crm.kind, crm_id: synced.externalId });
      } else await save("synced", "paid", {});
    }
    return bill(null);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await tdb.query(
      `UPDATE shield_billing_runs SET attempts = attempts + 1, last_error = $2, updated_at = $3
       WHERE invoice_id = $1`,
      [invoice.id, message.slice(0, 1_000), new Date(deps.now())],
    );
    return bill(message);
  }
}
