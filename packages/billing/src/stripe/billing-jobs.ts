import type { Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { MeterId, ProductId } from "../catalog/index.ts";
import { closeInvoice } from "../invoices.ts";
import type { StripeBilling } from "./stripe-billing.ts";
import { customerOfTenant } from "./stripe-sync.ts";

/** Usage events sent to Stripe per run, at most. */
const REPORT_BATCH = 500;

/**
 * Sends usage not yet reported to Stripe as meter events (tenants with a Stripe customer), then
 * marks it reported. Meter events carry our idempotency key as their identifier, so a run that
 * stops half-way sends nothing twice.
 * @returns how many events were reported.
 */
export async function reportPendingUsage(db: Db, billing: StripeBilling): Promise<number> {
  const rows = await db.query<{
    tenant_id: string;
    idempotency_key: string;
    product: ProductId;
    meter: MeterId;
    value: string;
    event_at: Date;
    stripe_customer_id: string;
  }>(
    `SELECT u.tenant_id, u.idempotency_key, u.product, u.meter, u.value::text, u.event_at,
            c.stripe_customer_id
     FROM usage_events u JOIN billing_customers c ON c.tenant_id = u.tenant_id
     WHERE u.reported_at IS NULL ORDER BY u.recorded_at LIMIT ${REPORT_BATCH}`,
  );
  if (rows.length === 0) return 0;
  const events = rows.map((r) => ({
    tenantId: r.tenant_id,
    idempotencyKey: r.idempotency_key,
    product: r.product,
    meter: r.meter,
    value: Number(r.value),
    eventAt: r.event_at.getTime(),
    customer: r.stripe_customer_id,
  }));
  const { failed } = await billing.reportUsage(events);
  if (failed > 0) return 0;
  await db.query(
    `UPDATE usage_events SET reported_at = now()
     WHERE (tenant_id, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [events.map((e) => e.tenantId), events.map((e) => e.idempotencyKey)],
  );
  return events.length;
}

/**
 * Closes every tenant's ended billing period into an invoice (once), and puts its overage on the
 * tenant's next Stripe invoice as invoice items (keyed by our invoice and meter, so a retry adds
 * nothing twice).
 * @returns the invoices made.
 */
export async function closeInvoices(
  db: Db,
  billing: StripeBilling | null,
  nowMs: number,
  log: Logger,
): Promise<number> {
  const tenants = await db.query<{ id: string }>(
    "SELECT id FROM tenants WHERE status = 'active' ORDER BY id",
  );
  let made = 0;
  for (const { id } of tenants) {
    const invoice = await db.transaction((tx) => closeInvoice(tx, id, nowMs));
    if (!invoice) continue;
    made++;
    const customer = billing ? await customerOfTenant(db, id) : null;
    if (!billing || !customer) continue;
    for (const line of invoice.lines)
      if (line.kind === "overage" && line.amountCents > 0)
        await billing.stripe.invoiceItems
          .create(
            {
              customer,
              amount: line.amountCents,
              currency: "usd",
              description: line.description,
              metadata: { kamiyo_invoice: invoice.id, tenant_id: id, meter: line.meter ?? "" },
            },
            { idempotencyKey: `overage:${id}:${invoice.id}:${line.meter}` },
          )
          .catch((err) =>
            log.warn(
              { tenantId: id, invoice: invoice.id, error: String(err) },
              "overage not put on the Stripe invoice",
            ),
          );
  }
  return made;
}
