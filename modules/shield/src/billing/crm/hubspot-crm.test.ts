import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HubSpotApiServer,
  startHubSpotApiServer,
} from "../../testing/hubspot-api/hubspot-api-server.ts";
import { sampleInvoice } from "../../testing/sample-invoice.ts";
import { HubSpotCrm, hubspotClient } from "./hubspot-crm.ts";

let server: HubSpotApiServer;
let crm: HubSpotCrm;

beforeAll(async () => {
  server = await startHubSpotApiServer({ accessToken: "pat-na1-test" });
  crm = new HubSpotCrm(
    hubspotClient({ accessToken: "pat-na1-test", apiUrl: server.url, timeoutMs: 5_000 }),
    5_000,
  );
});
afterAll(() => server.close());

const invoice = sampleInvoice();

describe("HubSpot through the official client", () => {
  it("records an invoice as one deal on the client's company, and the company's outcome metrics", async () => {
    const company = server.addCompany("Acme");
    const first = await crm.syncInvoice({
      invoice,
      accountId: company,
      paymentId: "in_1",
      paid: false,
    });
    const again = await crm.syncInvoice({
      invoice,
      accountId: company,
      paymentId: "in_1",
      paid: true,
    });
    expect(again.externalId).toBe(first.externalId);
    expect(server.deals()).toHaveLength(1);
    expect(server.deals()[0]?.properties).toMatchObject({
      amount: "220.50",
      dealstage: "closedwon",
      shield_invoice_id: invoice.id,
    });
    expect(server.associations()).toEqual([`${first.externalId}:${company}`]);
    expect(server.companies()[0]?.properties).toMatchObject({
      shield_roas: "4.4700",
      shield_spend: "1000.00",
      shield_ltv: "4470.00",
      shield_earnings: "220.50",
      shield_period: "2026-11",
    });
  });

  it("fails on a company the portal does not have", async () => {
    await expect(
      crm.syncInvoice({
        invoice: { ...invoice, id: "soi_00000000000000000000000b" },
        accountId: "999",
        paymentId: null,
        paid: true,
      }),
    ).rejects.toThrow(/404|not found/i);
  });
});
