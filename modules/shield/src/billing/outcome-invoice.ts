import { createHash } from "node:crypto";
import type { Invoice } from "@kamiyo/billing";
import type { Queryable } from "@kamiyo/db";
import type { OutcomePeriod } from "./billing-period.ts";
import { type BillingTerms, DEFAULT_SHARE_BPS } from "./billing-terms.ts";
import type { OutcomeCorrection } from "./corrections.ts";
import { outcomeEarnings } from "./outcome-math.ts";
import type { ClientTotals } from "./outcome-totals.ts";

/**
 * An outcome invoice: one client's period, every figure it was computed from, and the part of the
 * audit trail it read (`audit.throughSeq` and `audit.headHash`, the chain's hash there), so anyone
 * with the trail can verify the chain to that record and sum the same records again. Amounts that
 * may pass 2⁵³ are decimal strings; `earningsCents` is a safe integer.
 */
export interface OutcomeInvoice {
  id: string;
  clientId: string;
  period: { start: string; end: string; label: string };
  currency: string;
  spendMicros: string;
  ltvMicros: string;
  bids: number;
  outcomes: number;
  /** LTV / spend, basis points (4.47 → 44700); null without spend. */
  roasBps: number | null;
  baselineRoasBps: number;
  marginImprovementBps: number | null;
  additionalRevenueCents: string;
  shareBps: number;
  /** This period's earnings: share × additional revenue, 0 when that is ≤ 0. */
  earningsCents: number;
  /** Earlier periods billed again from records appended after their invoices. */
  corrections: OutcomeCorrection[];
  /** What the client is charged: earningsCents + Σ corrections' amountCents (≥ 0). */
  amountDueCents: number;
  /** How each figure was rounded. */
  rounding: "half-up";
  audit: { firstSeq: number | null; lastSeq: number | null; throughSeq: number; headHash: string };
  createdAt: string;
}

/** The invoice id of a tenant's client and period: the same inputs, the same id (`soi_…`). */
export function outcomeInvoiceId(
  tenantId: string,
  clientId: string,
  period: OutcomePeriod,
): string {
  const digest = createHash("sha256")
    .update(`${tenantId}\n${clientId}\n${period.start}\n${period.end}`)
    .digest("hex");
  return `soi_${digest.slice(0, 24)}`;
}

const safe = (v: bigint | null, field: string): number | null => {
  if (v === null) return null;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError(`${field}: ${v} is past what an invoice holds`);
  return Number(v);
};

/** The invoice of one client's totals under its terms (pure: nothing is stored). */
export function outcomeInvoiceOf(
  tenantId: string,
  period: OutcomePeriod,
  totals: ClientTotals,
  terms: BillingTerms,
  through: { seq: number; hash: string },
  nowMs: number,
  corrections: readonly OutcomeCorrection[] = [],
): OutcomeInvoice {
  const shareBps = terms.shareBps ?? DEFAULT_SHARE_BPS;
  const e = outcomeEarnings({
    spendMicros: totals.spendMicros,
    ltvMicros: totals.ltvMicros,
    baselineRoasBps: terms.baselineRoasBps,
    shareBps,
  });
  return {
    id: outcomeInvoiceId(tenantId, totals.clientId, period),
    clientId: totals.clientId,
    period: {
      start: new Date(period.start).toISOString(),
      end: new Date(period.end).toISOString(),
      label: period.label,
    },
    currency: terms.currency,
    spendMicros: totals.spendMicros.toString(),
    ltvMicros: totals.ltvMicros.toString(),
    bids: totals.bids,
    outcomes: totals.outcomes,
    roasBps: safe(e.roasBps, "roasBps"),
    baselineRoasBps: terms.baselineRoasBps,
    marginImprovementBps: safe(e.marginImprovementBps, "marginImprovementBps"),
    additionalRevenueCents: e.additionalRevenueCents.toString(),
    shareBps,
    earningsCents: safe(e.earningsCents, "earningsCents") as number,
    corrections: [...corrections],
    amountDueCents: Math.max(
      0,
      Number(e.earningsCents) + corrections.reduce((sum, c) => sum + c.amountCents, 0),
    ),
    rounding: "half-up",
    audit: {
      firstSeq: totals.firstSeq,
      lastSeq: totals.lastSeq,
      throughSeq: through.seq,
      headHash: through.hash,
    },
    createdAt: new Date(nowMs).toISOString(),
  };
}

/**
 * Stores an invoice once per client and period: a period already invoiced keeps its first
 * invoice (an invoice is final), which is returned.
 */
export async function saveOutcomeInvoice(
  q: Queryable,
  invoice: OutcomeInvoice,
): Promise<{ invoice: OutcomeInvoice; created: boolean }> {
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO shield_invoices (tenant_id, id, client_id, period_start, period_end, currency,
       earnings_cents, document, created_at)
     VALUES (current_setting('app.tenant_id'), $1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      invoice.id,
      invoice.clientId,
      invoice.period.start,
      invoice.period.end,
      invoice.currency,
      invoice.earningsCents,
      JSON.stringify(invoice),
      invoice.createdAt,
    ],
  );
  if (inserted.length > 0) return { invoice, created: true };
  const existing = await outcomeInvoiceById(q, invoice.id);
  if (!existing) throw new Error(`invoice ${invoice.id} neither inserted nor found`);
  return { invoice: existing, created: false };
}

/** A stored invoice; those made before correction lines existed have none, and owe their earnings. */
export const storedOutcomeInvoice = (d: OutcomeInvoice | string): OutcomeInvoice => {
  const doc = typeof d === "string" ? (JSON.parse(d) as OutcomeInvoice) : d;
  return {
    ...doc,
    corrections: doc.corrections ?? [],
    amountDueCents: doc.amountDueCents ?? doc.earningsCents,
  };
};

/** One of the tenant's invoices, or null. */
export async function outcomeInvoiceById(q: Queryable, id: string): Promise<OutcomeInvoice | null> {
  const [row] = await q.query<{ document: OutcomeInvoice | string }>(
    `SELECT document FROM shield_invoices WHERE id = $1`,
    [id],
  );
  return row ? storedOutcomeInvoice(row.document) : null;
}

/** The tenant's invoices, newest period first (optionally one client's), at most `limit`. */
export async function outcomeInvoices(
  q: Queryable,
  opts: { clientId?: string; limit?: number } = {},
): Promise<OutcomeInvoice[]> {
  const rows = await q.query<{ document: OutcomeInvoice | string }>(
    `SELECT document FROM shield_invoices WHERE ($1::text IS NULL OR client_id = $1)
     ORDER BY period_start DESC, client_id LIMIT $2`,
    [opts.clientId ?? null, opts.limit ?? 100],
  );
  return rows.map((r) => storedOutcomeInvoice(r.document));
}

/**
 * The invoice as one of the platform's invoice records (`@kamiyo/billing`'s `Invoice`): one
 * `outcome` line of product `shield`, plan `shield_oaas`, for the earnings. Not stored in the
 * platform's `invoices` table (that is the platform's bill to the tenant, one per period); this is
 * the same document shape, for the code that renders and sums invoices.
 * @throws RangeError for an invoice in another currency than usd.
 */
export function platformInvoiceOf(tenantId: string, invoice: OutcomeInvoice): Invoice {
  if (invoice.currency !== "usd")
    throw new RangeError(`currency: the platform's invoices are in usd, not ${invoice.currency}`);
  return {
    tenantId,
    id: invoice.id,
    periodStart: Date.parse(invoice.period.start),
    periodEnd: Date.parse(invoice.period.end),
    status: "open",
    currency: "usd",
    totalCents: invoice.amountDueCents,
    lines: [
      {
        kind: "outcome",
        product: "shield",
        plan: "shield_oaas",
        description: `${invoice.shareBps / 100} % of the additional revenue of client ${invoice.clientId}, ${invoice.period.label}`,
        meter: null,
        quantity: 1,
        amountCents: invoice.earningsCents,
      },
      ...invoice.corrections.map((c) => ({
        kind: "correction" as const,
        product: "shield" as const,
        plan: "shield_oaas",
        description: `correction for ${c.period.label}: ${c.lateOutcomes} outcomes and ${c.lateBids} bids recorded after its invoice ${c.invoiceId}`,
        meter: null,
        quantity: 1,
        amountCents: c.amountCents,
      })),
    ],
    createdAt: Date.parse(invoice.createdAt),
    paidAt: null,
  };
}
