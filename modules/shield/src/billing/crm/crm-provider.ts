import type { CrmProviderKind } from "../billing-terms.ts";
import type { OutcomeInvoice } from "../outcome-invoice.ts";
import type { AfterCall } from "../payments/payment-provider.ts";

/** What a CRM records of one invoice. */
export interface CrmSyncRequest {
  invoice: OutcomeInvoice;
  /** The client's account in the CRM (a HubSpot company, a Salesforce Account). */
  accountId: string;
  /** The payment's id at its provider; null when nothing was due. */
  paymentId: string | null;
  /** Whether the invoice was paid (or had nothing to pay). */
  paid: boolean;
}

/**
 * A CRM behind one interface: `syncInvoice` records the invoice as a deal (or opportunity) on the
 * client's account and updates the account's outcome metrics. Idempotent by the invoice id: run
 * again it updates the same record, never makes a second.
 * @returns the CRM's id of the deal or opportunity.
 */
export interface CrmProvider {
  readonly kind: CrmProviderKind;
  syncInvoice(request: CrmSyncRequest, afterCall?: AfterCall): Promise<{ externalId: string }>;
}

/** Rejects with an Error naming `what` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
