import { callJson, HttpStatusError } from "../http-json.ts";
import {
  type AfterCall,
  decimalAmount,
  type PaymentProvider,
  type PaymentRequest,
  type PaymentResult,
} from "./payment-provider.ts";

/** Zuora's OAuth client and where its REST API is. */
export interface ZuoraConfig {
  clientId: string;
  clientSecret: string;
  /** The tenant's REST base URL, e.g. https://rest.apisandbox.zuora.com (per data center). */
  apiUrl: string;
  /** Per call, ms. */
  timeoutMs: number;
}

/** A Zuora invoice, the fields read here. */
interface ZuoraInvoice {
  id: string;
  invoiceNumber: string;
  balance: number;
  status: string;
}

/** Zuora's v1 answers carry `success`; false (even under HTTP 200) is a failure. */
interface ZuoraAnswer {
  success?: boolean;
  reasons?: { code: number; message: string }[];
}

/** The invoice number Shield gives its invoice at Zuora: unique, ≤ 16 of a-z A-Z 0-9 - _. */
export const zuoraInvoiceNumber = (invoiceId: string) => `SH${invoiceId.slice(4, 18)}`;

/**
 * Collects through Zuora's REST API (no official Node client; `fetch` with a timeout, and
 * retries with jittered backoff only on reads and keyed writes): an OAuth token
 * (`POST /oauth/token`, client credentials, kept until it expires), a posted standalone invoice on
 * the client's account (`POST /v1/invoices`) numbered from Shield's invoice id, then an electronic
 * payment of it from the account's default payment method (`POST /v1/payments`). Both writes
 * carry an `Idempotency-Key` from Shield's invoice id; a re-run first reads the invoice by its
 * number (`GET /v1/invoices/{number}`) and pays only a balance still open, so a crash between any
 * two calls charges once. The result's id is Zuora's invoice id.
 */
export class ZuoraPayments implements PaymentProvider {
  readonly kind = "zuora" as const;
  private readonly config: ZuoraConfig;
  private token: { value: string; until: number } | null = null;

  constructor(config: ZuoraConfig) {
    this.config = config;
  }

  async collect(req: PaymentRequest, afterCall?: AfterCall): Promise<PaymentResult> {
    const number = zuoraInvoiceNumber(req.invoiceId);
    const key = (step: string) => `shield:${req.invoiceId}:${step}`;
    let invoice = await this.findInvoice(number);
    if (!invoice) {
      const day = new Date().toISOString().slice(0, 10);
      invoice = await this.call<ZuoraInvoice>("POST", "/v1/invoices", "Zuora invoice", {
        idempotencyKey: key("invoice"),
        body: {
          accountId: req.customerId,
          invoiceDate: day,
          invoiceNumber: number,
          status: "Posted",
          invoiceItems: [
            {
              amount: Number(decimalAmount(req.amountCents)),
              chargeName: "Shield outcome share",
              description: req.description,
              serviceStartDate: day,
            },
          ],
        },
      });
      await afterCall?.("zuora.invoices.create");
    }
    if (invoice.balance > 0) {
      await this.call("POST", "/v1/payments", "Zuora payment", {
        idempotencyKey: key("payment"),
        body: {
          accountId: req.customerId,
          amount: invoice.balance,
          currency: req.currency.toUpperCase(),
          effectiveDate: new Date().toISOString().slice(0, 10),
          type: "Electronic",
          invoices: [{ invoiceId: invoice.id, amount: invoice.balance }],
        },
      });
      await afterCall?.("zuora.payments.create");
    }
    return { externalId: invoice.id, status: "paid" };
  }

  private async findInvoice(number: string): Promise<ZuoraInvoice | null> {
    try {
      return await this.call<ZuoraInvoice>("GET", `/v1/invoices/${number}`, "Zuora invoice lookup");
    } catch (e) {
      if (e instanceof HttpStatusError && e.status === 404) return null;
      throw e;
    }
  }

  private async call<T>(
    method: "GET" | "POST",
    path: string,
    what: string,
    opts: { idempotencyKey?: string; body?: unknown } = {},
  ): Promise<T> {
    const token = await this.accessToken();
    const answer = await callJson<T & ZuoraAnswer>(
      {
        method,
        url: new URL(path, this.config.apiUrl).toString(),
        headers: {
          authorization: `Bearer ${token}`,
          ...(opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {}),
        },
        ...(opts.body === undefined ? {} : { body: opts.body }),
        timeoutMs: this.config.timeoutMs,
        retry: method === "GET" || opts.idempotencyKey !== undefined,
      },
      what,
    );
    if (answer.success === false) {
      const notFound = answer.reasons?.some((r) => /cannot find|not exist/i.test(r.message));
      throw new HttpStatusError(what, notFound ? 404 : 400, answer);
    }
    return answer;
  }

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const got = await callJson<{ access_token: string; expires_in: number }>(
      {
        method: "POST",
        url: new URL("/oauth/token", this.config.apiUrl).toString(),
        body: new URLSearchParams({
          client_id: this.config.clientId,
          client_secret: this.config.clientSecret,
          grant_type: "client_credentials",
        }),
        timeoutMs: this.config.timeoutMs,
        retry: true,
      },
      "Zuora OAuth token",
    );
    this.token = { value: got.access_token, until: Date.now() + (got.expires_in - 60) * 1_000 };
    return got.access_token;
  }
}
