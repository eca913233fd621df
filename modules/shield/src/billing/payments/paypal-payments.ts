import {
  ApiError,
  CheckoutPaymentIntent,
  Client,
  Environment,
  OrdersController,
} from "@paypal/paypal-server-sdk";
import axios, { type AxiosAdapter } from "axios";
import {
  type AfterCall,
  decimalAmount,
  type PaymentProvider,
  type PaymentRequest,
  type PaymentResult,
} from "./payment-provider.ts";

/** PayPal's credentials and where to reach it. */
export interface PayPalConfig {
  clientId: string;
  clientSecret: string;
  environment: "sandbox" | "production";
  /** Another origin speaking PayPal's REST API (a local server in tests); default: the environment's. */
  apiUrl?: string;
  /** Per call, ms. */
  timeoutMs: number;
}

/**
 * The official SDK (`@paypal/paypal-server-sdk`) as configured: client-credentials OAuth, the
 * timeout, no logging (its default: nothing of a request, secrets included, is written), and with `apiUrl` its requests sent to that origin instead (the SDK has no base-URL
 * option: its axios transport is given an adapter that swaps the origin and changes nothing else).
 */
export function paypalClient(config: PayPalConfig): Client {
  const http = axios.getAdapter("http") as AxiosAdapter;
  const origin = config.apiUrl ? new URL(config.apiUrl) : null;
  const adapter: AxiosAdapter = (req) => {
    if (!origin || !req.url) return http(req);
    const url = new URL(req.url);
    return http({ ...req, url: new URL(url.pathname + url.search, origin).toString() });
  };
  return new Client({
    clientCredentialsAuthCredentials: {
      oAuthClientId: config.clientId,
      oAuthClientSecret: config.clientSecret,
    },
    environment: config.environment === "production" ? Environment.Production : Environment.Sandbox,
    timeout: config.timeoutMs,
    ...(origin ? { unstable_httpClientOptions: { adapter } } : {}),
  });
}

const duplicateInvoice = (e: unknown) =>
  e instanceof ApiError &&
  e.statusCode === 422 &&
  typeof e.body === "string" &&
  e.body.includes("DUPLICATE_INVOICE_ID");

/**
 * Collects through PayPal's Orders v2 API (the server SDK covers Orders, Payments, Vault,
 * Subscriptions and Transaction Search; not Invoicing): one order with intent CAPTURE, paid from
 * the client's vaulted PayPal wallet (`payment_source.paypal.vault_id`, the terms' customer id),
 * which PayPal completes and captures at once (a merchant-initiated payment). Shield's invoice id is
 * the `PayPal-Request-Id` (PayPal keeps it 6 hours: a retry gets the same order) and the purchase
 * unit's `invoice_id` (PayPal refuses a second payment with it: DUPLICATE_INVOICE_ID), so a re-run
 * never pays twice; past the 6 hours the refusal itself says it was paid.
 */
export class PayPalPayments implements PaymentProvider {
  readonly kind = "paypal" as const;
  private readonly orders: OrdersController;

  constructor(client: Client) {
    this.orders = new OrdersController(client);
  }

  async collect(req: PaymentRequest, afterCall?: AfterCall): Promise<PaymentResult> {
    try {
      const { result } = await this.orders.createOrder({
        paypalRequestId: req.invoiceId,
        prefer: "return=representation",
        body: {
          intent: CheckoutPaymentIntent.Capture,
          purchaseUnits: [
            {
              referenceId: req.invoiceId,
              invoiceId: req.invoiceId,
              customId: req.invoiceId,
              description: req.description.slice(0, 127),
              amount: {
                currencyCode: req.currency.toUpperCase(),
                value: decimalAmount(req.amountCents),
              },
            },
          ],
          paymentSource: { paypal: { vaultId: req.customerId } },
        },
      });
      await afterCall?.("paypal.orders.create");
      const captured = result.purchaseUnits?.[0]?.payments?.captures?.[0];
      if (!result.id) throw new Error("PayPal answered an order without an id");
      return {
        externalId: result.id,
        status:
          result.status === "COMPLETED" && captured?.status === "COMPLETED" ? "paid" : "pending",
      };
    } catch (e) {
      if (!duplicateInvoice(e)) throw e;
      return { externalId: `invoice:${req.invoiceId}`, status: "paid" };
    }
  }
}
