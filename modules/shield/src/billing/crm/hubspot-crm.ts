import { Client } from "@hubspot/api-client";
import { divHalfUp } from "../outcome-math.ts";
import { type AfterCall, decimalAmount } from "../payments/payment-provider.ts";
import { type CrmProvider, type CrmSyncRequest, withTimeout } from "./crm-provider.ts";

/** HubSpot's credentials and where to reach it. */
export interface HubSpotConfig {
  /** A private app's access token (scopes crm.objects.deals.write, crm.objects.companies.write). */
  accessToken: string;
  /** Another origin speaking HubSpot's API (a local server in tests); default https://api.hubapi.com. */
  apiUrl?: string;
  /** Per call, ms. */
  timeoutMs: number;
}

/** The deal property (unique values) that holds Shield's invoice id: deals are upserted by it. */
export const HUBSPOT_INVOICE_PROPERTY = "shield_invoice_id";

/** The official client (`@hubspot/api-client`), retrying 429 and 5xx twice (its own backoff). */
export function hubspotClient(config: HubSpotConfig): Client {
  return new Client({
    accessToken: config.accessToken,
    numberOfApiCallRetries: 2,
    ...(config.apiUrl ? { basePath: config.apiUrl.replace(/\/$/, "") } : {}),
  });
}

const bps = (v: number | null) => (v === null ? "" : (v / 10_000).toFixed(4));

/**
 * Records invoices in HubSpot: a deal per invoice, upserted by the unique deal property
 * `shield_invoice_id` (`POST /crm/v3/objects/deals/batch/upsert`: the same invoice, the same deal,
 * however often it runs), associated with the client's company
 * (`PUT /crm/v4/objects/deal/{id}/associations/default/company/{companyId}`), and the company's
 * outcome metrics (`shield_roas`, `shield_spend`, `shield_ltv`, `shield_earnings`,
 * `shield_period`) set from the invoice (`PATCH /crm/v3/objects/companies/{id}`). The portal needs
 * those custom properties (docs/shield.md). Each call is bounded by the timeout.
 */
export class HubSpotCrm implements CrmProvider {
  readonly kind = "hubspot" as const;

  private readonly client: Client;
  private readonly timeoutMs: number;

  constructor(client: Client, timeoutMs: number) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  async syncInvoice(req: CrmSyncRequest, afterCall?: AfterCall): Promise<{ externalId: string }> {
    const inv = req.invoice;
    const upserted = await withTimeout(
      this.client.crm.deals.batchApi.upsert({
        inputs: [
          {
            idProperty: HUBSPOT_INVOICE_PROPERTY,
            id: inv.id,
            properties: {
              dealname: `Shield outcome share ${inv.clientId} ${inv.period.label}`,
              amount: decimalAmount(inv.amountDueCents),
              deal_currency_code: inv.currency.toUpperCase(),
              pipeline: "default",
              dealstage: req.paid ? "closedwon" : "contractsent",
              closedate: inv.period.end,
              [HUBSPOT_INVOICE_PROPERTY]: inv.id,
              shield_payment_id: req.paymentId ?? "",
            },
          },
        ],
      }),
      this.timeoutMs,
      "HubSpot deal upsert",
    );
    const deal = upserted.results[0];
    if (!deal) throw new Error(`HubSpot upserted no deal for invoice ${inv.id}`);
    await afterCall?.("hubspot.deals.upsert");
    await withTimeout(
      this.client.crm.associations.v4.basicApi.createDefault(
        "deal",
        deal.id,
        "company",
        req.accountId,
      ),
      this.timeoutMs,
      "HubSpot deal association",
    );
    await afterCall?.("hubspot.associations.createDefault");
    await withTimeout(
      this.client.crm.companies.basicApi.update(req.accountId, {
        properties: {
          shield_period: inv.period.label,
          shield_spend: decimalAmount(Number(divHalfUp(BigInt(inv.spendMicros), 10_000n))),
          shield_ltv: decimalAmount(Number(divHalfUp(BigInt(inv.ltvMicros), 10_000n))),
          shield_roas: bps(inv.roasBps),
          shield_baseline_roas: bps(inv.baselineRoasBps),
          shield_earnings: decimalAmount(inv.earningsCents),
        },
      }),
      this.timeoutMs,
      "HubSpot company update",
    );
    await afterCall?.("hubspot.companies.update");
    return { externalId: deal.id };
  }
}
