import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SalesforceApiServer,
  startSalesforceApiServer,
} from "../../testing/salesforce-api/salesforce-api-server.ts";
import { sampleInvoice } from "../../testing/sample-invoice.ts";
import { SalesforceCrm } from "./salesforce-crm.ts";

let server: SalesforceApiServer;
let crm: SalesforceCrm;

beforeAll(async () => {
  server = await startSalesforceApiServer();
  crm = new SalesforceCrm({
    clientId: "3MVG9local",
    clientSecret: "local-salesforce-secret",
    loginUrl: server.url,
    timeoutMs: 5_000,
  });
});
afterAll(() => server.close());

const invoice = sampleInvoice({ id: "soi_00000000000000000000000c" });

describe("Salesforce through jsforce", () => {
  it("records an invoice as one Opportunity on the client's Account, and the Account's metrics", async () => {
    const account = server.addAccount("Acme");
    const first = await crm.syncInvoice({
      invoice,
      accountId: account,
      paymentId: "in_1",
      paid: false,
    });
    server.expireSessions(); // the next call asks for a token again
    const again = await crm.syncInvoice({
      invoice,
      accountId: account,
      paymentId: "in_1",
      paid: true,
    });
    expect(again.externalId).toBe(first.externalId);
    expect(server.opportunities()).toEqual([
      expect.objectContaining({
        Id: first.externalId,
        Shield_Invoice_Id__c: invoice.id,
        AccountId: account,
        Amount: 220.5,
        StageName: "Closed Won",
        CloseDate: "2026-11-30",
      }),
    ]);
    expect(server.accounts()[0]).toMatchObject({
      Shield_ROAS__c: 4.47,
      Shield_Baseline_ROAS__c: 3,
      Shield_Spend__c: 1_000,
      Shield_LTV__c: 4_470,
      Shield_Earnings__c: 220.5,
      Shield_Period__c: "2026-11",
    });
  });

  it("fails naming Salesforce's error for an Account the org does not have", async () => {
    await expect(
      crm.syncInvoice({
        invoice: { ...invoice, id: "soi_00000000000000000000000d" },
        accountId: "001000000000000AAA",
        paymentId: null,
        paid: true,
      }),
    ).rejects.toThrow(/invalid cross reference id/);
  });
});
