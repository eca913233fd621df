import type { Queryable } from "@kamiyo/db";
import { billingPeriod } from "./billing-period.ts";
import type { MeterId, Overage, Plan, ProductId } from "./catalog/index.ts";
import { type Subscription, subscriptionsOf } from "./subscriptions.ts";
import { QUOTAS } from "./usage.ts";

/** One line of an invoice: integer cents. */
export interface InvoiceLine {
  /**
   * `correction`: an earlier, final invoice's period billed again from what was recorded after it
   * (usage past its quota; Shield's outcomes that occurred in it);
   * `outcome`: a share of the additional revenue an outcome-billed product (Shield) produced.
   */
  kind: "fee" | "overage" | "correction" | "outcome";
  product: ProductId;
  plan: string;
  description: string;
  /** The meter an overage line bills, and the units past the plan's quota. */
  meter: MeterId | null;
  quantity: number;
  amountCents: number;
}

export interface Invoice {
  tenantId: string;
  id: string;
  periodStart: number;
  periodEnd: number;
  status: "open" | "paid" | "void";
  currency: "usd";
  totalCents: number;
  lines: InvoiceLine[];
  createdAt: number;
  paidAt: number | null;
}

/** The units of `meter` a plan's quota did not cover in a period, from its usage events. */
async function excessOf(
  q: Queryable,
  tenantId: string,
  plan: Plan,
  meter: MeterId,
  start: number,
  end: number,
): Promise<number> {
  const quota = QUOTAS[meter];
  const limit = quota ? plan.limits[quota.key] : null;
  if (!quota || limit === null) return 0;
  // A daily quota is exceeded day by day; a period's over the whole period. Storage is the
  // largest reading, counts add up.
  const groups =
    quota.per === "day" ? "meter, date_trunc('day', event_at AT TIME ZONE 'UTC')" : "meter";
  const rows = await q.query<{ excess: string }>(
    `SELECT coalesce(sum(greatest(used - $6, 0)), 0)::text AS excess FROM (
       SELECT CASE WHEN meter = 'storage_bytes' THEN max(value) ELSE sum(value) END AS used
       FROM usage_events
       WHERE tenant_id = $1 AND product = $2 AND meter = $3 AND event_at >= $4 AND event_at < $5
       GROUP BY ${groups}) per_bucket`,
    [tenantId, plan.product, meter, new Date(start), new Date(end), limit],
  );
  return Number(rows[0]?.excess ?? 0);
}

/** The cents an overage costs: `cents` per `per` units, rounded to the nearest cent. */
export function overageCents(excess: number, o: Overage): number {
  return Math.round((excess * o.cents) / o.per);
}

/**
 * A tenant's invoice lines for one billing period: each paid subscription's monthly fee (zero
 * while the period began in its trial) and the overage its plan prices (the RCA table), from the
 * period's usage events.
 */
export async function invoiceLines(
  q: Queryable,
  subscriptions: readonly Subscription[],
  period: { start: number; end: number },
): Promise<InvoiceLine[]> {
  const lines: InvoiceLine[] = [];
  for (const s of subscriptions) {
    if (s.status === "canceled") continue;
    const fee = s.plan.monthlyCents ?? 0;
    if (fee > 0) {
      const trial = s.trialEndsAt !== null && s.trialEndsAt > period.start;
      lines.push({
        kind: "fee",
        product: s.product,
        plan: s.plan.id,
        description: `${s.plan.id} monthly fee${trial ? " (trial)" : ""}`,
        meter: null,
        quantity: 1,
        amountCents: trial ? 0 : fee,
      });
    }
    for (const o of s.plan.overage) {
      const excess = await excessOf(q, s.tenantId, s.plan, o.meter, period.start, period.end);
      if (excess === 0) continue;
      lines.push({
        kind: "overage",
        product: s.product,
        plan: s.plan.id,
        description: `${o.meter} past the ${s.plan.id} quota: ${excess} at ${o.cents} ¢ per ${o.per}`,
        meter: o.meter,
        quantity: excess,
        amountCents: overageCents(excess, o),
      });
    }
  }
  return lines;
}

const invoiceId = (start: number) =>
  `inv_${new Date(start).toISOString().slice(0, 10).replaceAll("-", "")}`;

/**
 * Closes the tenant's last ended billing period (monthly from its platform subscription's anchor)
 * into an invoice, once: fees and overage, integer cents. The invoice is final: usage recorded for
 * its period after it was made is billed on the next one, as a correction (the period's overage
 * recomputed, less what was billed). Tenants with nothing to pay get no invoice.
 * @returns the new invoice, or null when there is none to make.
 */
export async function closeInvoice(
  tx: Queryable,
  tenantId: string,
  nowMs: number,
): Promise<Invoice | null> {
  const subscriptions = await subscriptionsOf(tx, tenantId);
  const platform = subscriptions.find((s) => s.product === "platform");
  if (!platform) return null;
  const current = billingPeriod(platform.anchorAt, nowMs);
  if (current.start <= platform.anchorAt) return null; // the first period has not ended
  const period = billingPeriod(platform.anchorAt, current.start - 1);
  const lines = [
    ...(await invoiceLines(tx, subscriptions, period)),
    ...(await corrections(tx, tenantId, subscriptions)),
  ];
  if (!lines.some((l) => l.kind === "fee") && lines.every((l) => l.amountCents === 0)) return null;
  const total = lines.reduce((sum, l) => sum + l.amountCents, 0);
  const rows = await tx.query<InvoiceRow>(
    `INSERT INTO invoices (tenant_id, id, period_start, period_end, status, currency, total_cents,
                           lines, created_at)
     VALUES ($1, $2, $3, $4, 'open', 'usd', $5, $6, $7)
     ON CONFLICT (tenant_id, period_start) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      tenantId,
      invoiceId(period.start),
      new Date(period.start),
      new Date(period.end),
      total,
      JSON.stringify(lines),
      new Date(nowMs),
    ],
  );
  return rows[0] ? toInvoice(rows[0]) : null;
}

/**
 * Corrections for the tenant's last invoice: its period's overage recomputed from every usage
 * event now recorded (late ones included), less what that invoice (and any correction already
 * made for it) billed, per meter; none when nothing changed.
 */
async function corrections(
  tx: Queryable,
  tenantId: string,
  subscriptions: readonly Subscription[],
): Promise<InvoiceLine[]> {
  const [last] = await invoicesOf(tx, tenantId);
  if (!last) return [];
  const billed = new Map<string, number>();
  const key = (l: InvoiceLine) => `${l.plan}|${l.meter}`;
  for (const l of last.lines)
    if (l.kind === "overage") billed.set(key(l), (billed.get(key(l)) ?? 0) + l.amountCents);
  const now = await invoiceLines(tx, subscriptions, {
    start: last.periodStart,
    end: last.periodEnd,
  });
  const out: InvoiceLine[] = [];
  for (const l of now.filter((x) => x.kind === "overage")) {
    const diff = l.amountCents - (billed.get(key(l)) ?? 0);
    if (diff === 0) continue;
    out.push({
      ...l,
      kind: "correction",
      description: `${l.meter} of the period from ${new Date(last.periodStart).toISOString().slice(0, 10)}, recorded after its invoice ${last.id}: ${l.quantity} past the quota in all`,
      amountCents: diff,
    });
  }
  return out;
}

/** What the invoice of the current billing period would hold if the period closed now. */
export interface UpcomingInvoice {
  periodStart: number;
  periodEnd: number;
  currency: "usd";
  totalCents: number;
  lines: InvoiceLine[];
  /** The usage it counts is up to here (epoch ms): an estimate, usage still to come is not in it. */
  asOf: number;
}

/**
 * The estimate of the tenant's bill for its current billing period, as `closeInvoice` will make it
 * when the period ends, from the usage recorded so far: each paid subscription's fee (zero in a
 * trial), the overage its plan prices past the quota, and corrections of the last invoice. With
 * `product`, that product's lines and their total only. Without a platform subscription the
 * period starts now (as `GET /usage` counts it).
 */
export async function upcomingInvoice(
  q: Queryable,
  tenantId: string,
  nowMs: number,
  product?: ProductId,
): Promise<UpcomingInvoice> {
  const subscriptions = await subscriptionsOf(q, tenantId);
  const platform = subscriptions.find((s) => s.product === "platform");
  const period = billingPeriod(platform?.anchorAt ?? nowMs, nowMs);
  const lines = [
    ...(await invoiceLines(q, subscriptions, period)),
    ...(await corrections(q, tenantId, subscriptions)),
  ].filter((l) => product === undefined || l.product === product);
  return {
    periodStart: period.start,
    periodEnd: period.end,
    currency: "usd",
    totalCents: lines.reduce((sum, l) => sum + l.amountCents, 0),
    lines,
    asOf: nowMs,
  };
}

/** Marks the tenant's open invoices paid (its Stripe invoice was paid, which settles what was due). */
export async function markInvoicesPaid(
  tx: Queryable,
  tenantId: string,
  nowMs: number,
): Promise<void> {
  await tx.query(
    `UPDATE invoices SET status = 'paid', paid_at = $2
     WHERE tenant_id = $1 AND status = 'open' AND created_at <= $2`,
    [tenantId, new Date(nowMs)],
  );
}

/** A tenant's invoices, newest first. */
export async function invoicesOf(q: Queryable, tenantId: string): Promise<Invoice[]> {
  const rows = await q.query<InvoiceRow>(
    `SELECT ${COLUMNS} FROM invoices WHERE tenant_id = $1 ORDER BY period_start DESC`,
    [tenantId],
  );
  return rows.map(toInvoice);
}

/** An invoice as the API shows it. */
export function invoiceJson(i: Invoice) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: i.id,
    periodStart: iso(i.periodStart),
    periodEnd: iso(i.periodEnd),
    status: i.status,
    currency: i.currency,
    totalCents: i.totalCents,
    lines: i.lines,
    createdAt: iso(i.createdAt),
    paidAt: i.paidAt === null ? null : iso(i.paidAt),
  };
}

interface InvoiceRow {
  tenant_id: string;
  id: string;
  period_start: Date;
  period_end: Date;
  status: Invoice["status"];
  currency: "usd";
  total_cents: string | number;
  lines: InvoiceLine[] | string;
  created_at: Date;
  paid_at: Date | null;
}

const COLUMNS =
  "tenant_id, id, period_start, period_end, status, currency, total_cents, lines, created_at, paid_at";

const toInvoice = (r: InvoiceRow): Invoice => ({
  tenantId: r.tenant_id,
  id: r.id,
  periodStart: r.period_start.getTime(),
  periodEnd: r.period_end.getTime(),
  status: r.status,
  currency: r.currency,
  totalCents: Number(r.total_cents),
  lines: typeof r.lines === "string" ? JSON.parse(r.lines) : r.lines,
  createdAt: r.created_at.getTime(),
  paidAt: r.paid_at?.getTime() ?? null,
});
