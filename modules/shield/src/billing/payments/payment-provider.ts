import type { PaymentProviderKind } from "../billing-terms.ts";

/** What one invoice asks a payment provider to collect. */
export interface PaymentRequest {
  /** Shield's invoice id (`soi_…`): the provider-side idempotency keys and lookups derive from it. */
  invoiceId: string;
  /** The client at the provider (a Stripe customer, a PayPal vault id, a Zuora account). */
  customerId: string;
  /** Integer cents (the currency's 1/100), > 0. */
  amountCents: number;
  /** ISO 4217, lower case (`usd`). */
  currency: string;
  description: string;
}

/** What the provider did with it. */
export interface PaymentResult {
  /** The provider's id of the charge (Stripe invoice, PayPal order). */
  externalId: string;
  /** `paid`: collected; `pending`: the provider holds the bill (it collects it later). */
  status: "paid" | "pending";
}

/** Called after each call a provider makes to the outside (the tests crash a run there). */
export type AfterCall = (call: string) => void | Promise<void>;

/**
 * A payment provider behind one interface. `collect` is idempotent by `invoiceId`: called again
 * for the same invoice (after a crash anywhere in it) it finds or replays what was done before and
 * never charges twice.
 */
export interface PaymentProvider {
  readonly kind: PaymentProviderKind;
  collect(request: PaymentRequest, afterCall?: AfterCall): Promise<PaymentResult>;
}

/** `amountCents` as a decimal string of the currency's unit: 22050 → "220.50". */
export function decimalAmount(amountCents: number): string {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0)
    throw new RangeError(`amountCents: expected a whole number ≥ 0, got ${amountCents}`);
  return `${Math.floor(amountCents / 100)}.${String(amountCents % 100).padStart(2, "0")}`;
}
