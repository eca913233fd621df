import { ApiError } from "@paypal/paypal-server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type PayPalApiServer,
  startPayPalApiServer,
} from "../../testing/paypal-api/paypal-api-server.ts";
import { PayPalPayments, paypalClient } from "./paypal-payments.ts";

let server: PayPalApiServer;
let paypal: PayPalPayments;

beforeAll(async () => {
  server = await startPayPalApiServer({ vaultIds: ["8kk8451t"] });
  paypal = new PayPalPayments(
    paypalClient({
      clientId: "local-client",
      clientSecret: "local-secret",
      environment: "sandbox",
      apiUrl: server.url,
      timeoutMs: 5_000,
    }),
  );
});
afterAll(() => server.close());

const request = (invoiceId: string) => ({
  invoiceId,
  customerId: "8kk8451t",
  amountCents: 22_050,
  currency: "usd",
  description: "Shield outcome share, 2026-11",
});

describe("PayPal payments through the official SDK", () => {
  it("pays an invoice with one order captured from the vaulted wallet, in PayPal's shapes", async () => {
    const paid = await paypal.collect(request("soi_000000000000000000000001"));
    expect(paid.status).toBe("paid");
    const [order] = server.orders();
    expect(order?.id).toBe(paid.externalId);
    expect(order?.purchase_units).toMatchObject([
      {
        invoice_id: "soi_000000000000000000000001",
        amount: { currency_code: "USD", value: "220.50" },
        payments: { captures: [{ status: "COMPLETED" }] },
      },
    ]);
  });

  it("never pays an invoice twice: the request id replays, and after it expires PayPal refuses the invoice id", async () => {
    const before = server.orders().length;
    const first = await paypal.collect(request("soi_000000000000000000000002"));
    const again = await paypal.collect(request("soi_000000000000000000000002"));
    expect(again).toEqual(first);
    server.expireRequestIds();
    const late = await paypal.collect(request("soi_000000000000000000000002"));
    expect(late).toEqual({ externalId: "invoice:soi_000000000000000000000002", status: "paid" });
    expect(server.orders().length).toBe(before + 1);
  });

  it("fails with PayPal's error for a wallet that is not vaulted, and bad credentials fail the token", async () => {
    const err = await paypal
      .collect({ ...request("soi_000000000000000000000003"), customerId: "unknown" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).statusCode).toBe(404);
    const wrong = new PayPalPayments(
      paypalClient({
        clientId: "x",
        clientSecret: "y",
        environment: "sandbox",
        apiUrl: server.url,
        timeoutMs: 5_000,
      }),
    );
    await expect(wrong.collect(request("soi_000000000000000000000004"))).rejects.toThrow();
    expect(
      server.orders().some((o) => JSON.stringify(o).includes("soi_000000000000000000000004")),
    ).toBe(false);
  });
});
