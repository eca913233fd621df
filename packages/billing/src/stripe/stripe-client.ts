import Stripe from "stripe";
import type { StripeConfig } from "./stripe-config.ts";

/** The Stripe API version this code was written against; object shapes follow it. */
export const STRIPE_API_VERSION = "2026-11-18.endive";

/**
 * The official SDK, configured: the pinned API version, a timeout per call, two retries with
 * backoff (the SDK sends idempotency keys on its retries), and the API's address from `apiUrl`.
 */
export function stripeClient(config: StripeConfig & { secretKey: string }): Stripe {
  const url = new URL(config.apiUrl);
  const protocol = url.protocol === "http:" ? "http" : "https";
  return new Stripe(config.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    host: url.hostname,
    port: Number(url.port || (protocol === "http" ? 80 : 443)),
    protocol,
    timeout: config.timeoutMs,
    maxNetworkRetries: 2,
    appInfo: { name: "kamiyo" },
  });
}
