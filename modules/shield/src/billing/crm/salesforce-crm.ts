import { Connection } from "jsforce";
import { divHalfUp } from "../outcome-math.ts";
import { type AfterCall, decimalAmount } from "../payments/payment-provider.ts";
import { type CrmProvider, type CrmSyncRequest, withTimeout } from "./crm-provider.ts";

/** A Salesforce connected app (client credentials flow) and its org. */
export interface SalesforceConfig {
  clientId: string;
  clientSecret: string;
  /** The org's My Domain URL (https://example.my.salesforce.com), where the token is asked. */
  loginUrl: string;
  /** Per call, ms. */
  timeoutMs: number;
}

/** The REST API version the calls use (upsert answers with the record's id from 46.0). */
export const SALESFORCE_API_VERSION = "62.0";
/** The Opportunity's external id field (unique) holding Shield's invoice id. */
export const SALESFORCE_INVOICE_FIELD = "Shield_Invoice_Id__c";

const ratio = (bps: number | null) => (bps === null ? null : bps / 10_000);
const dollars = (micros: string) =>
  Number(decimalAmount(Number(divHalfUp(BigInt(micros), 10_000n))));
/** The last day of a period whose end (exclusive) is `endIso`, as YYYY-MM-DD. */
const lastDay = (endIso: string) => new Date(Date.parse(endIso) - 1).toISOString().slice(0, 10);

/**
 * Records invoices in Salesforce with `jsforce`: an Opportunity per invoice upserted by the
 * external id field `Shield_Invoice_Id__c` (`PATCH /sobjects/Opportunity/Shield_Invoice_Id__c/{id}`:
 * the same invoice, the same opportunity, however often it runs) on the client's Account, Closed Won
 * when paid, and the Account's outcome metrics (`Shield_ROAS__c`, `Shield_Baseline_ROAS__c`,
 * `Shield_Spend__c`, `Shield_LTV__c`, `Shield_Earnings__c`, `Shield_Period__c`) set from the
 * invoice. The org needs those custom fields (docs/shield.md). The token comes from the client
 * credentials flow, and again (jsforce's session refresh) when a call finds the session expired.
 */
export class SalesforceCrm implements CrmProvider {
  readonly kind = "salesforce" as const;
  private readonly config: SalesforceConfig;
  private conn: Connection | null = null;

  constructor(config: SalesforceConfig) {
    this.config = config;
  }

  async syncInvoice(req: CrmSyncRequest, afterCall?: AfterCall): Promise<{ externalId: string }> {
    const inv = req.invoice;
    const upserted = await this.withSession((conn) =>
      conn.sobject("Opportunity").upsert(
        {
          [SALESFORCE_INVOICE_FIELD]: inv.id,
          Name: `Shield outcome share ${inv.clientId} ${inv.period.label}`,
          AccountId: req.accountId,
          Amount: Number(decimalAmount(inv.amountDueCents)),
          StageName: req.paid ? "Closed Won" : "Negotiation/Review",
          CloseDate: lastDay(inv.period.end),
          Description: `${inv.shareBps / 100} % of the additional revenue ${inv.additionalRevenueCents} ¢; payment ${req.paymentId ?? "none due"}; audit seq ${inv.audit.firstSeq}…${inv.audit.lastSeq}, head ${inv.audit.headHash}`,
        },
        SALESFORCE_INVOICE_FIELD,
      ),
    );
    if (!upserted.success || !upserted.id)
      throw new Error(`Salesforce refused the opportunity: ${JSON.stringify(upserted.errors)}`);
    await afterCall?.("salesforce.opportunity.upsert");
    const updated = await this.withSession((conn) =>
      conn.sobject("Account").update({
        Id: req.accountId,
        Shield_Period__c: inv.period.label,
        Shield_Spend__c: dollars(inv.spendMicros),
        Shield_LTV__c: dollars(inv.ltvMicros),
        Shield_ROAS__c: ratio(inv.roasBps),
        Shield_Baseline_ROAS__c: ratio(inv.baselineRoasBps),
        Shield_Earnings__c: Number(decimalAmount(inv.earningsCents)),
      }),
    );
    if (!updated.success)
      throw new Error(`Salesforce refused the account update: ${JSON.stringify(updated.errors)}`);
    await afterCall?.("salesforce.account.update");
    return { externalId: upserted.id };
  }

  /** Runs `fn` on the authorized connection within the timeout. */
  private async withSession<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return withTimeout(fn(await this.connection()), this.config.timeoutMs, "Salesforce");
  }

  private async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    const conn: Connection = new Connection({
      version: SALESFORCE_API_VERSION,
      // The client credentials flow has no refresh token: an expired session asks for a new one.
      refreshFn: (c, callback) => {
        c.authorize({ grant_type: "client_credentials" }).then(
          () => callback(undefined, c.accessToken ?? undefined),
          (e: Error) => callback(e),
        );
      },
      oauth2: {
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        loginUrl: this.config.loginUrl,
      },
    });
    await withTimeout(
      conn.authorize({ grant_type: "client_credentials" }),
      this.config.timeoutMs,
      "Salesforce token",
    );
    this.conn = conn;
    return conn;
  }
}
