import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startZuoraApiServer,
  type ZuoraApiServer,
} from "../../testing/zuora-api/zuora-api-server.ts";
import { ZuoraPayments, zuoraInvoiceNumber } from "./zuora-payments.ts";

const ACCOUNT = "8ad09be48db5aba7018db604776d4854";
let server: ZuoraApiServer;
let zuora: ZuoraPayments;

beforeAll(async () => {
  server = await startZuoraApiServer({ accountIds: [ACCOUNT] });
  zuora = new ZuoraPayments({
    clientId: "local-zuora-client",
    clientSecret: "local-zuora-secret",
    apiUrl: server.url,
    timeoutMs: 5_000,
  });
});
afterAll(() => server.close());

const request = (invoiceId: string) => ({
  invoiceId,
  customerId: ACCOUNT,
  amountCents: 22_050,
  currency: "usd",
  description: "Shield outcome share, 2026-11",
});

describe("Zuora payments over its REST API", () => {
  it("posts one invoice numbered from Shield's and pays its balance, once however often it runs", async () => {
    const id = "soi_0123456789abcdef01234567";
    const paid = await zuora.collect(request(id));
    expect(paid.status).toBe("paid");
    server.expireIdempotencyKeys();
    expect(await zuora.collect(request(id))).toEqual(paid);
    expect(server.invoices()).toMatchObject([
      { id: paid.externalId, invoiceNumber: zuoraInvoiceNumber(id), amount: 220.5, balance: 0 },
    ]);
    expect(server.payments()).toMatchObject([{ amount: 220.5, status: "Processed" }]);
  });

  it("resumes after a crash between the invoice and the payment without a second invoice", async () => {
    const id = "soi_fedcba9876543210fedcba98";
    await expect(
      zuora.collect(request(id), (call) => {
        if (call === "zuora.invoices.create") throw new Error("crash");
      }),
    ).rejects.toThrow("crash");
    const paid = await zuora.collect(request(id));
    expect(
      server.invoices().filter((i) => i.invoiceNumber === zuoraInvoiceNumber(id)),
    ).toHaveLength(1);
    expect(server.payments().filter((p) => JSON.stringify(p).includes("220.5"))).toHaveLength(2);
    expect(paid.status).toBe("paid");
  });

  it("fails naming Zuora's reason for an unknown account", async () => {
    await expect(
      zuora.collect({ ...request("soi_aaaaaaaaaaaaaaaaaaaaaaaa"), customerId: "nope" }),
    ).rejects.toThrow(/Cannot find entity by key: 'nope'/);
  });
});
