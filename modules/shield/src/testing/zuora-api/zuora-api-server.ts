import { randomBytes, randomUUID } from "node:crypto";
import { type LocalResponse, startLocalApiServer } from "../local-api-server.ts";

/** A Zuora object as the local server keeps it (the REST API's JSON). */
export type ZuoraObjectJson = Record<string, unknown> & { id: string };

/** A running local Zuora REST API. */
export interface ZuoraApiServer {
  url: string;
  invoices(): ZuoraObjectJson[];
  payments(): ZuoraObjectJson[];
  /** Forgets every Idempotency-Key (Zuora keeps them for a limited time). */
  expireIdempotencyKeys(): void;
  close(): Promise<void>;
}

/** Options of `startZuoraApiServer`. */
export interface ZuoraApiServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Customer accounts with a default electronic payment method. */
  accountIds?: readonly string[];
}

const zid = () => `8ad0${randomBytes(14).toString("hex")}`;
const failure = (status: number, code: number, message: string): LocalResponse => ({
  status,
  body: {
    success: false,
    processId: randomBytes(8).toString("hex").toUpperCase(),
    reasons: [{ code, message }],
    requestId: randomUUID(),
  },
});

/**
 * A local server speaking the part of Zuora's REST API the payment adapter uses, in its JSON
 * shapes (developer.zuora.com, v1): the OAuth token (`POST /oauth/token`), standalone invoices
 * (`POST /v1/invoices`, a unique `invoiceNumber`; `GET /v1/invoices/{id or number}`) and electronic
 * payments applied to them (`POST /v1/payments`, lowering the invoice's balance). POSTs with an
 * `Idempotency-Key` already seen replay the first answer.
 */
export async function startZuoraApiServer(
  opts: ZuoraApiServerOptions = {},
): Promise<ZuoraApiServer> {
  const clientId = opts.clientId ?? "local-zuora-client";
  const clientSecret = opts.clientSecret ?? "local-zuora-secret";
  const accounts = new Set(opts.accountIds ?? ["8ad09be48db5aba7018db604776d4854"]);
  const tokens = new Set<string>();
  const invoices: ZuoraObjectJson[] = [];
  const payments: ZuoraObjectJson[] = [];
  let keys = new Map<string, LocalResponse>();
  let numbers = 0;

  const findInvoice = (key: string) =>
    invoices.find((i) => i.id === key || i.invoiceNumber === key);

  const createInvoice = (body: Record<string, unknown>): LocalResponse => {
    const accountId = body.accountId as string | undefined;
    if (!accountId || !accounts.has(accountId))
      return failure(200, 50000040, `Cannot find entity by key: '${accountId}'.`);
    const items = body.invoiceItems as
      | { amount?: number; chargeName?: string; description?: string; serviceStartDate?: string }[]
      | undefined;
    if (
      !Array.isArray(items) ||
      items.length === 0 ||
      items.some((i) => typeof i.amount !== "number" || !i.serviceStartDate)
    )
      return failure(400, 53100020, "invoiceItems: amount and serviceStartDate are required.");
    const number =
      (body.invoiceNumber as string | undefined) ?? `INV${String(++numbers).padStart(8, "0")}`;
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(number))
      return failure(400, 53100020, "invoiceNumber: at most 16 of a-z, A-Z, 0-9, - and _.");
    if (findInvoice(number))
      return failure(200, 53100320, `The invoice number ${number} already exists.`);
    const amount = Math.round(items.reduce((s, i) => s + (i.amount as number) * 100, 0)) / 100;
    const posted = body.status === "Posted";
    const id = zid();
    const invoice: ZuoraObjectJson = {
      id,
      invoiceNumber: number,
      accountId,
      invoiceDate: body.invoiceDate,
      dueDate: body.invoiceDate,
      currency: "USD",
      status: posted ? "Posted" : "Draft",
      amount,
      amountWithoutTax: amount,
      taxAmount: 0,
      balance: amount,
      invoiceItems: items.map((i) => ({
        id: zid(),
        chargeName: i.chargeName,
        description: i.description,
        amount: i.amount,
        serviceStartDate: i.serviceStartDate,
        taxAmount: 0,
      })),
      success: true,
    };
    invoices.push(invoice);
    return { status: 200, body: invoice };
  };

  const createPayment = (body: Record<string, unknown>): LocalResponse => {
    const accountId = body.accountId as string | undefined;
    if (!accountId || !accounts.has(accountId))
      return failure(200, 50000040, `Cannot find entity by key: '${accountId}'.`);
    const applied = (body.invoices as { invoiceId: string; amount: number }[] | undefined) ?? [];
    for (const a of applied) {
      const inv = findInvoice(a.invoiceId);
      if (!inv) return failure(200, 50000040, `Cannot find entity by key: '${a.invoiceId}'.`);
      if (inv.status !== "Posted")
        return failure(200, 53500020, "Only posted invoices can be paid.");
      if (a.amount > (inv.balance as number))
        return failure(200, 53500040, "The amount applied to the invoice exceeds its balance.");
    }
    for (const a of applied) {
      const inv = findInvoice(a.invoiceId) as ZuoraObjectJson;
      inv.balance = Math.round(((inv.balance as number) - a.amount) * 100) / 100;
    }
    const id = zid();
    const payment: ZuoraObjectJson = {
      id,
      number: `P-${String(payments.length + 1).padStart(8, "0")}`,
      accountId,
      amount: body.amount,
      appliedAmount: applied.reduce((s, a) => s + a.amount, 0),
      unappliedAmount: 0,
      currency: body.currency,
      effectiveDate: body.effectiveDate,
      type: body.type,
      status: "Processed",
      gatewayState: "Submitted",
      paymentMethodId: "8ad0pm00000000000000000000000001",
      success: true,
    };
    payments.push(payment);
    return { status: 200, body: payment };
  };

  const server = await startLocalApiServer((req) => {
    if (req.method === "POST" && req.path === "/oauth/token") {
      const form = new URLSearchParams(req.text);
      if (
        form.get("client_id") !== clientId ||
        form.get("client_secret") !== clientSecret ||
        form.get("grant_type") !== "client_credentials"
      )
        return {
          status: 401,
          body: { message: "Failed to authenticate: invalid client credentials" },
        };
      const token = randomBytes(16).toString("hex");
      tokens.add(token);
      return {
        status: 200,
        body: {
          access_token: token,
          token_type: "bearer",
          expires_in: 3599,
          scope: "entity.1a2b3c user.7f8e platform.write service.usage.delete",
          jti: randomBytes(16).toString("hex"),
        },
      };
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer))
      return { status: 401, body: { message: "Authentication error" } };
    const idem = req.headers["idempotency-key"];
    const key = typeof idem === "string" ? `${req.path}|${idem}` : undefined;
    if (req.method === "POST" && key && keys.has(key)) return keys.get(key) as LocalResponse;
    let out: LocalResponse;
    if (req.method === "POST" && req.path === "/v1/invoices")
      out = createInvoice(JSON.parse(req.text));
    else if (req.method === "POST" && req.path === "/v1/payments")
      out = createPayment(JSON.parse(req.text));
    else if (req.method === "GET" && req.path.startsWith("/v1/invoices/")) {
      const inv = findInvoice(decodeURIComponent(req.path.slice("/v1/invoices/".length)));
      return inv
        ? { status: 200, body: inv }
        : failure(404, 50000040, `Cannot find entity by key: '${req.path.slice(13)}'.`);
    } else return failure(404, 50000040, `no route ${req.method} ${req.path}`);
    if (key && out.status < 500) keys.set(key, out);
    return out;
  });
  return {
    url: server.url,
    invoices: () => [...invoices],
    payments: () => [...payments],
    expireIdempotencyKeys: () => {
      keys = new Map();
    },
    close: () => server.close(),
  };
}
