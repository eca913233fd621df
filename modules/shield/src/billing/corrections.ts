import { type Db, tenantDb } from "@kamiyo/db";
import { auditRecordPages } from "../audit/read-records.ts";
import type { OutcomePeriod } from "./billing-period.ts";
import { type OutcomeInvoice, storedOutcomeInvoice } from "./outcome-invoice.ts";
import { outcomeEarnings } from "./outcome-math.ts";
import { billableOf } from "./outcome-totals.ts";

/**
 * A correction line: an earlier period of the client billed again, because records for it were
 * appended after its invoice (an outcome that occurred then, recorded late). The earlier invoice
 * stays as it was (invoices are final); the difference goes on the client's next invoice.
 */
export interface OutcomeCorrection {
  /** The earlier invoice corrected, its period and currency. */
  invoiceId: string;
  currency: string;
  period: { start: string; end: string; label: string };
  /** The records read: after the earlier invoice's `audit.throughSeq`, up to this one. */
  afterSeq: number;
  throughSeq: number;
  /** What they add to the period (micros as decimal strings). */
  lateSpendMicros: string;
  lateLtvMicros: string;
  lateBids: number;
  lateOutcomes: number;
  /** The period's earnings with them, under its invoice's baseline and share. */
  earningsCents: number;
  /** What was billed for the period before: its invoice and any correction since. */
  billedCents: number;
  /** earningsCents − billedCents: what this invoice adds for the period. */
  amountCents: number;
}

interface Late {
  spend: bigint;
  ltv: bigint;
  bids: number;
  outcomes: number;
}

/**
 * The correction lines each client's invoice for `period` carries: for every earlier invoice of
 * the client (a period ending by `period.start`), the records appended since it
 * for its period, read up to `throughSeq` (the chain's verified head), and the earnings they
 * change. Only earlier invoices whose recomputed earnings differ from what was billed for them
 * get a line, so a late record is billed once, on the first invoice made after it.
 * @returns the lines by client id (clients without one are absent).
 * @throws Error naming a record whose body is not of its kind's shape.
 */
export async function correctionsFor(
  db: Db,
  tenantId: string,
  period: OutcomePeriod,
  throughSeq: number,
  opts: { clientId?: string } = {},
): Promise<Map<string, OutcomeCorrection[]>> {
  const out = new Map<string, OutcomeCorrection[]>();
  const all = (
    await tenantDb(db, tenantId).query<{ document: OutcomeInvoice | string }>(
      `SELECT document FROM shield_invoices WHERE ($1::text IS NULL OR client_id = $1)
       ORDER BY period_start, client_id`,
      [opts.clientId ?? null],
    )
  ).map((r) => storedOutcomeInvoice(r.document));
  const earlier = all.filter(
    (i) => Date.parse(i.period.end) <= period.start && i.audit.throughSeq < throughSeq,
  );
  if (earlier.length === 0) return out;
  // What each earlier period was billed: its invoice, and the corrections of it on any invoice.
  const billed = new Map(earlier.map((i) => [i.id, i.earningsCents]));
  for (const i of all)
    for (const c of i.corrections)
      if (billed.has(c.invoiceId))
        billed.set(c.invoiceId, (billed.get(c.invoiceId) ?? 0) + c.amountCents);

  const byClient = new Map<string, OutcomeInvoice[]>();
  for (const i of earlier) byClient.set(i.clientId, [...(byClient.get(i.clientId) ?? []), i]);
  const late = new Map<string, Late>();
  const from = Math.min(...earlier.map((i) => i.audit.throughSeq)) + 1;
  for await (const page of auditRecordPages(db, tenantId, { fromSeq: from })) {
    for (const r of page) {
      if (r.seq > throughSeq) break;
      const b = billableOf(r);
      if (!b) continue;
      for (const i of byClient.get(b.clientId) ?? []) {
        if (r.seq <= i.audit.throughSeq) continue;
        if (b.atMs < Date.parse(i.period.start) || b.atMs >= Date.parse(i.period.end)) continue;
        const l = late.get(i.id) ?? { spend: 0n, ltv: 0n, bids: 0, outcomes: 0 };
        l.spend += b.spendMicros;
        l.ltv += b.ltvMicros;
        if (b.kind === "bid") l.bids++;
        else l.outcomes++;
        late.set(i.id, l);
      }
    }
    if ((page.at(-1)?.seq ?? 0) >= throughSeq) break;
  }
  for (const i of earlier) {
    const l = late.get(i.id);
    if (!l) continue;
    const e = outcomeEarnings({
      spendMicros: BigInt(i.spendMicros) + l.spend,
      ltvMicros: BigInt(i.ltvMicros) + l.ltv,
      baselineRoasBps: i.baselineRoasBps,
      shareBps: i.shareBps,
    });
    const earningsCents = Number(e.earningsCents);
    const before = billed.get(i.id) ?? i.earningsCents;
    if (earningsCents === before) continue;
    const line: OutcomeCorrection = {
      invoiceId: i.id,
      currency: i.currency,
      period: i.period,
      afterSeq: i.audit.throughSeq,
      throughSeq,
      lateSpendMicros: l.spend.toString(),
      lateLtvMicros: l.ltv.toString(),
      lateBids: l.bids,
      lateOutcomes: l.outcomes,
      earningsCents,
      billedCents: before,
      amountCents: earningsCents - before,
    };
    out.set(i.clientId, [...(out.get(i.clientId) ?? []), line]);
  }
  return out;
}
