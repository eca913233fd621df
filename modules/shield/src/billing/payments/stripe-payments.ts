import type Stripe from "stripe";
import type {
  AfterCall,
  PaymentProvider,
  PaymentRequest,
  PaymentResult,
} from "./payment-provider.ts";

/** The metadata key that ties a Stripe invoice to Shield's invoice. */
export const STRIPE_INVOICE_METADATA = "shield_invoice_id";

/**
 * Collects through Stripe, with the platform's SDK client (`stripeClient` of
 * `@kamiyo/billing/stripe`): a one-off invoice for the customer (charged automatically, pending
 * items excluded) with Shield's invoice id in its metadata, one invoice item, finalized, then
 * paid with the customer's default payment method. Each call that creates carries an idempotency
 * key derived from Shield's invoice id (paying needs none: Stripe refuses to pay a paid invoice), and a re-run first looks the invoice up by its metadata and picks up
 * where it stopped (item added, finalized, paid), so a crash between any two calls charges once
 * even after Stripe's keys expire (24 h).
 */
export class StripePayments implements PaymentProvider {
  readonly kind = "stripe" as const;

  private readonly stripe: Stripe;

  constructor(stripe: Stripe) {
    this.stripe = stripe;
  }

  async collect(req: PaymentRequest, afterCall?: AfterCall): Promise<PaymentResult> {
    const key = (step: string) => `shield:${req.invoiceId}:${step}`;
    let invoice = await this.find(req);
    if (!invoice) {
      invoice = await this.stripe.invoices.create(
        {
          customer: req.customerId,
          collection_method: "charge_automatically",
          auto_advance: false,
          pending_invoice_items_behavior: "exclude",
          currency: req.currency,
          description: req.description,
          metadata: { [STRIPE_INVOICE_METADATA]: req.invoiceId },
        },
        { idempotencyKey: key("invoice") },
      );
      await afterCall?.("stripe.invoices.create");
    }
    const id = invoice.id as string;
    if (invoice.status === "draft") {
      const items = await this.stripe.invoiceItems.list({ invoice: id, limit: 1 });
      if (items.data.length === 0) {
        await this.stripe.invoiceItems.create(
          {
            customer: req.customerId,
            invoice: id,
            amount: req.amountCents,
            currency: req.currency,
            description: req.description,
            metadata: { [STRIPE_INVOICE_METADATA]: req.invoiceId },
          },
          { idempotencyKey: key("item") },
        );
        await afterCall?.("stripe.invoiceItems.create");
      }
      invoice = await this.stripe.invoices.finalizeInvoice(
        id,
        { auto_advance: false },
        { idempotencyKey: key("finalize") },
      );
      await afterCall?.("stripe.invoices.finalizeInvoice");
    }
    if (invoice.status === "open") {
      // No key of ours: Stripe refuses to pay a paid invoice, and a declined attempt may be retried.
      invoice = await this.stripe.invoices.pay(id, {});
      await afterCall?.("stripe.invoices.pay");
    }
    return { externalId: id, status: invoice.status === "paid" ? "paid" : "pending" };
  }

  /** The customer's invoice made for Shield's invoice, if one was (by its metadata). */
  private async find(req: PaymentRequest): Promise<Stripe.Invoice | null> {
    for await (const invoice of this.stripe.invoices.list({ customer: req.customerId, limit: 100 }))
      if (
        invoice.metadata?.[STRIPE_INVOICE_METADATA] === req.invoiceId &&
        invoice.status !== "void"
      )
        return invoice;
    return null;
  }
}
