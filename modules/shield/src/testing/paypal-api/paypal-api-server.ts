import { randomBytes } from "node:crypto";
import { type LocalRequest, type LocalResponse, startLocalApiServer } from "../local-api-server.ts";

/** A PayPal order as the local server keeps it (the API's snake_case JSON). */
export type PayPalOrderJson = Record<string, unknown> & { id: string; status: string };

/** A running local PayPal REST API. */
export interface PayPalApiServer {
  url: string;
  /** Every order created, oldest first. */
  orders(): PayPalOrderJson[];
  /** Forgets every PayPal-Request-Id (as PayPal does after 6 hours). */
  expireRequestIds(): void;
  close(): Promise<void>;
}

/** Options of `startPayPalApiServer`. */
export interface PayPalApiServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Vaulted payment tokens (PayPal wallets saved with the buyer's consent) a payment may use. */
  vaultIds?: readonly string[];
  now?: () => number;
}

const DEBUG_ID = () => randomBytes(7).toString("hex");
const newId = () => randomBytes(9).toString("hex").toUpperCase().slice(0, 17);

function error(
  status: number,
  name: string,
  message: string,
  issue?: { issue: string; description: string; field?: string },
): LocalResponse {
  return {
    status,
    body: {
      name,
      message,
      debug_id: DEBUG_ID(),
      ...(issue
        ? {
            details: [
              {
                ...(issue.field ? { field: issue.field, location: "body" } : {}),
                issue: issue.issue,
                description: issue.description,
              },
            ],
          }
        : {}),
      links: [
        {
          href: `https://developer.paypal.com/docs/api/orders/v2/#error-${issue?.issue ?? name}`,
          rel: "information_link",
          method: "GET",
        },
      ],
    },
  };
}

const invalid = (field: string, issue: string, description: string) =>
  error(
    400,
    "INVALID_REQUEST",
    "Request is not well-formed, syntactically incorrect, or violates schema.",
    {
      field,
      issue,
      description,
    },
  );

/**
 * A local server speaking the part of PayPal's REST API the payment adapter uses, in its JSON
 * shapes (developer.paypal.com/docs/api/orders/v2): the client-credentials token
 * (`POST /v1/oauth2/token`), orders paid from a vaulted PayPal wallet (`POST /v2/checkout/orders`
 * with `payment_source.paypal.vault_id`, completed and captured at once) and reading one back
 * (`GET /v2/checkout/orders/{id}`). `PayPal-Request-Id` replays the first answer; a second order
 * with an `invoice_id` already paid is refused 422 DUPLICATE_INVOICE_ID.
 */
export async function startPayPalApiServer(
  opts: PayPalApiServerOptions = {},
): Promise<PayPalApiServer> {
  const clientId = opts.clientId ?? "local-client";
  const clientSecret = opts.clientSecret ?? "local-secret";
  const vaultIds = new Set(opts.vaultIds ?? ["8kk8451t"]);
  const now = opts.now ?? Date.now;
  const tokens = new Set<string>();
  const orders: PayPalOrderJson[] = [];
  let requestIds = new Map<string, LocalResponse>();
  const paidInvoices = new Set<string>();
  const iso = () => new Date(now()).toISOString().replace(/\.\d{3}Z$/, "Z");

  const token = (req: LocalRequest): LocalResponse => {
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    if (req.headers.authorization !== basic)
      return {
        status: 401,
        body: { error: "invalid_client", error_description: "Client Authentication failed" },
      };
    if (new URLSearchParams(req.text).get("grant_type") !== "client_credentials")
      return {
        status: 400,
        body: { error: "unsupported_grant_type", error_description: "Grant Type is NULL" },
      };
    const accessToken = `A21AA${randomBytes(24).toString("hex")}`;
    tokens.add(accessToken);
    return {
      status: 200,
      body: {
        scope:
          "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/vault/payment-tokens/readwrite",
        access_token: accessToken,
        token_type: "Bearer",
        app_id: "APP-80W284485P519543T",
        expires_in: 32_400,
        nonce: `${iso()}${randomBytes(16).toString("hex")}`,
      },
    };
  };

  const createOrder = (req: LocalRequest): LocalResponse => {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.text) as Record<string, unknown>;
    } catch {
      return error(
        400,
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
        { issue: "MALFORMED_REQUEST_JSON", description: "The request JSON is not well formed." },
      );
    }
    if (body.intent !== "CAPTURE" && body.intent !== "AUTHORIZE")
      return invalid("/intent", "INVALID_PARAMETER_VALUE", "The value of a field is invalid.");
    const units = body.purchase_units as Record<string, unknown>[] | undefined;
    if (!Array.isArray(units) || units.length !== 1)
      return invalid(
        "/purchase_units",
        "MISSING_REQUIRED_PARAMETER",
        "A required field / parameter is missing.",
      );
    const unit = units[0] as Record<string, unknown>;
    const amount = unit.amount as { currency_code?: string; value?: string } | undefined;
    if (!amount?.currency_code || !/^[A-Z]{3}$/.test(amount.currency_code))
      return invalid(
        "/purchase_units/@reference_id=='default'/amount/currency_code",
        "INVALID_CURRENCY_CODE",
        "Currency code is invalid or is not currently supported.",
      );
    if (!amount.value || !/^\d{1,10}(\.\d{2})?$/.test(amount.value) || Number(amount.value) <= 0)
      return invalid(
        "/purchase_units/@reference_id=='default'/amount/value",
        "INVALID_PARAMETER_VALUE",
        "The value of a field is invalid.",
      );
    const vaultId = (body.payment_source as Record<string, Record<string, unknown>> | undefined)
      ?.paypal?.vault_id as string | undefined;
    if (!vaultId)
      return error(
        422,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business validation.",
        {
          field: "/payment_source",
          issue: "PAYMENT_SOURCE_INFO_CANNOT_BE_VERIFIED",
          description:
            "The combination of the payment_source name, billing address, shipping name and shipping address could not be verified.",
        },
      );
    if (!vaultIds.has(vaultId))
      return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", {
        field: "/payment_source/paypal/vault_id",
        issue: "INVALID_RESOURCE_ID",
        description:
          "Specified resource ID does not exist. Please check the resource ID and try again.",
      });
    const invoiceId = unit.invoice_id as string | undefined;
    if (invoiceId && paidInvoices.has(invoiceId))
      return error(
        422,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business validation.",
        {
          issue: "DUPLICATE_INVOICE_ID",
          description:
            "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.",
        },
      );
    if (invoiceId) paidInvoices.add(invoiceId);
    const id = newId();
    const captureId = newId();
    const at = iso();
    const value = amount.value;
    const fee = (Math.round(Number(value) * 349 + 49) / 10_000).toFixed(2);
    const order: PayPalOrderJson = {
      id,
      intent: body.intent,
      status: "COMPLETED",
      payment_source: {
        paypal: {
          email_address: "customer@example.com",
          account_id: "QYR5Z8XDVJNXQ",
          account_status: "VERIFIED",
          name: { given_name: "Firstname", surname: "Lastname" },
          attributes: { vault: { id: vaultId, status: "VAULTED", customer: { id: "ROaOkUBPnd" } } },
        },
      },
      purchase_units: [
        {
          reference_id: unit.reference_id ?? "default",
          ...(unit.description ? { description: unit.description } : {}),
          ...(unit.custom_id ? { custom_id: unit.custom_id } : {}),
          ...(invoiceId ? { invoice_id: invoiceId } : {}),
          amount,
          payee: { email_address: "merchant@example.com", merchant_id: "C7CYMKZDG8D6E" },
          payments: {
            captures: [
              {
                id: captureId,
                status: "COMPLETED",
                amount,
                final_capture: true,
                seller_protection: {
                  status: "ELIGIBLE",
                  dispute_categories: ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
                },
                seller_receivable_breakdown: {
                  gross_amount: amount,
                  paypal_fee: { currency_code: amount.currency_code, value: fee },
                  net_amount: {
                    currency_code: amount.currency_code,
                    value: (Number(value) - Number(fee)).toFixed(2),
                  },
                },
                ...(invoiceId ? { invoice_id: invoiceId } : {}),
                ...(unit.custom_id ? { custom_id: unit.custom_id } : {}),
                links: [
                  {
                    href: `https://api.sandbox.paypal.com/v2/payments/captures/${captureId}`,
                    rel: "self",
                    method: "GET",
                  },
                  {
                    href: `https://api.sandbox.paypal.com/v2/payments/captures/${captureId}/refund`,
                    rel: "refund",
                    method: "POST",
                  },
                  {
                    href: `https://api.sandbox.paypal.com/v2/checkout/orders/${id}`,
                    rel: "up",
                    method: "GET",
                  },
                ],
                create_time: at,
                update_time: at,
              },
            ],
          },
        },
      ],
      payer: {
        name: { given_name: "Firstname", surname: "Lastname" },
        email_address: "customer@example.com",
        payer_id: "QYR5Z8XDVJNXQ",
      },
      create_time: at,
      update_time: at,
      links: [
        {
          href: `https://api.sandbox.paypal.com/v2/checkout/orders/${id}`,
          rel: "self",
          method: "GET",
        },
      ],
    };
    orders.push(order);
    return { status: 201, body: order };
  };

  const server = await startLocalApiServer((req) => {
    if (req.method === "POST" && req.path === "/v1/oauth2/token") return token(req);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !tokens.has(bearer))
      return {
        status: 401,
        body: { error: "invalid_token", error_description: "Token signature verification failed" },
      };
    if (req.method === "POST" && req.path === "/v2/checkout/orders") {
      const requestId = req.headers["paypal-request-id"];
      const key = typeof requestId === "string" ? requestId : undefined;
      const replay = key ? requestIds.get(key) : undefined;
      if (replay) return replay;
      const out = createOrder(req);
      if (key && out.status < 500) requestIds.set(key, out);
      return out;
    }
    const one = /^\/v2\/checkout\/orders\/([A-Z0-9]+)$/.exec(req.path);
    if (req.method === "GET" && one) {
      const order = orders.find((o) => o.id === one[1]);
      return order
        ? { status: 200, body: order }
        : error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.", {
            field: "order_id",
            issue: "INVALID_RESOURCE_ID",
            description:
              "Specified resource ID does not exist. Please check the resource ID and try again.",
          });
    }
    return error(404, "NOT_FOUND", "The specified resource does not exist.");
  });
  return {
    url: server.url,
    orders: () => [...orders],
    expireRequestIds: () => {
      requestIds = new Map();
    },
    close: () => server.close(),
  };
}
