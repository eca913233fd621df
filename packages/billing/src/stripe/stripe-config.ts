import { z } from "zod";

/** Billing through Stripe (environment prefix STRIPE_). Without a secret key it is off. */
export const stripeConfig = z.object({
  secretKey: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "expected a Stripe secret key (sk_test_…, sk_live_…)")
    .optional()
    .describe("Stripe secret key (or restricted key). Unset: billing through Stripe is off"),
  webhookSecret: z
    .string()
    .regex(/^whsec_\w+$/, "expected a webhook signing secret (whsec_…)")
    .optional()
    .describe(
      "Signing secret of the webhook endpoint Stripe calls (POST /billing/stripe/webhook); events without a valid Stripe-Signature are refused",
    ),
  apiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://api.stripe.com")
    .describe("Stripe's API base URL (another only for a server that speaks the same API)"),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe("Timeout of each call to Stripe, ms (calls are retried twice with backoff)"),
  trialDays: z
    .number()
    .int()
    .min(0)
    .max(730)
    .default(14)
    .describe("Free trial of a new paid subscription, days"),
  appUrl: z
    .url()
    .default("http://127.0.0.1:8080/app")
    .describe(
      "Where checkout and the customer portal send the customer back (the dashboard's address)",
    ),
});

export type StripeConfig = z.output<typeof stripeConfig>;
