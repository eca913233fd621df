import { z } from "zod";
import { GOOGLE_ADS_API_VERSION } from "./syncflow/google-ads/google-ads-client.ts";

/** Shield's settings' fields (environment prefix SHIELD_). */
const shieldFields = z.object({
  grpcPort: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .optional()
    .describe(
      "Port of Shield's gRPC services (SyncValue) beside the HTTP API; 0 picks a free one. Unset: gRPC is not served",
    ),
  grpcHost: z.string().min(1).default("127.0.0.1").describe("Address the gRPC services listen on"),
  grpcTlsCertFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PEM certificate chain the gRPC services present (with SHIELD_GRPC_TLS_KEY_FILE). Unset: plaintext, for loopback or a mesh that adds mTLS",
    ),
  grpcTlsKeyFile: z
    .string()
    .min(1)
    .optional()
    .describe("PEM private key of SHIELD_GRPC_TLS_CERT_FILE"),
  googleAdsApiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://googleads.googleapis.com")
    .describe(
      "SyncFlow: the Google Ads API's base URL (another only for a server speaking its REST API)",
    ),
  googleAdsApiVersion: z
    .string()
    .regex(/^v\d+$/, "expected a version like v24")
    .default(GOOGLE_ADS_API_VERSION)
    .describe("SyncFlow: the Google Ads API version in the request paths"),
  googleAdsDeveloperToken: z
    .string()
    .min(1)
    .optional()
    .describe(
      "SyncFlow: this server's Google Ads API developer token (with its OAuth client), through which every tenant connects its own Google Ads accounts. Unset: no bids to Google Ads",
    ),
  googleAdsLoginCustomerId: z
    .string()
    .regex(/^\d{10}$/, "expected a 10-digit customer id without dashes")
    .optional()
    .describe(
      "SyncFlow: the manager account (login-customer-id) SHIELD_GOOGLE_ADS_REFRESH_TOKEN's calls go through",
    ),
  googleAdsClientId: z
    .string()
    .min(1)
    .optional()
    .describe("SyncFlow: the OAuth client id for Google Ads"),
  googleAdsClientSecret: z.string().min(1).optional().describe("SyncFlow: the OAuth client secret"),
  googleAdsRefreshToken: z
    .string()
    .min(1)
    .optional()
    .describe(
      "SyncFlow: the install's own tenant's Google Ads grant, the OAuth refresh token of a user with access to its accounts (adwords scope). Other tenants connect their own (PUT /shield/platforms/google_ads/credentials)",
    ),
  googleOAuthTokenUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://oauth2.googleapis.com/token")
    .describe("SyncFlow: Google's OAuth 2.0 token endpoint"),
  metaGraphUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://graph.facebook.com")
    .describe("SyncFlow: the Graph API's base URL (another only for a server speaking its API)"),
  metaAccessToken: z
    .string()
    .min(1)
    .optional()
    .describe(
      "SyncFlow: the install's own tenant's Meta grant, a system user's access token with ads_management. Other tenants connect their own (PUT /shield/platforms/meta/credentials)",
    ),
  syncflowTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(10_000)
    .describe(
      "SyncFlow: each platform call's timeout, ms (idempotent calls retried twice with jittered backoff)",
    ),
  billingTimeoutMs: z
    .number()
    .int()
    .min(100)
    .default(10_000)
    .describe("Timeout of each call outcome billing makes to a payment provider or CRM, ms"),
  stripeSecretKey: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, "expected a Stripe secret key (sk_test_…, sk_live_…)")
    .optional()
    .describe(
      "Stripe secret key outcome invoices are collected with. Unset: clients whose terms name Stripe are invoiced but not charged",
    ),
  stripeApiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://api.stripe.com")
    .describe("Stripe's API base URL (another only for a server that speaks the same API)"),
  paypalClientId: z
    .string()
    .min(1)
    .optional()
    .describe(
      "PayPal REST app's client id. Unset: clients whose terms name PayPal are not charged",
    ),
  paypalClientSecret: z.string().min(1).optional().describe("PayPal REST app's secret"),
  paypalEnvironment: z
    .enum(["sandbox", "production"])
    .default("sandbox")
    .describe("PayPal's environment: sandbox (api-m.sandbox.paypal.com) or production"),
  paypalApiUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe("Another origin speaking PayPal's REST API in place of the environment's"),
  zuoraClientId: z
    .string()
    .min(1)
    .optional()
    .describe("Zuora OAuth client id. Unset: clients whose terms name Zuora are not charged"),
  zuoraClientSecret: z.string().min(1).optional().describe("Zuora OAuth client secret"),
  zuoraApiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://rest.zuora.com")
    .describe(
      "Zuora tenant's REST base URL (per data center: rest.zuora.com, rest.eu.zuora.com, rest.apisandbox.zuora.com, …)",
    ),
  salesforceClientId: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Salesforce connected app's consumer key (client credentials flow). Unset: clients whose terms name Salesforce are not synced",
    ),
  salesforceClientSecret: z
    .string()
    .min(1)
    .optional()
    .describe("Salesforce connected app's consumer secret"),
  salesforceLoginUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe(
      "The org's My Domain URL (https://example.my.salesforce.com), where tokens are asked",
    ),
  hubspotAccessToken: z
    .string()
    .min(1)
    .optional()
    .describe(
      "HubSpot private app token (deals and companies write). Unset: clients whose terms name HubSpot are not synced",
    ),
  hubspotApiUrl: z
    .url({ protocol: /^https?$/ })
    .default("https://api.hubapi.com")
    .describe("HubSpot's API base URL (another only for a server that speaks the same API)"),
});

/** A setting's environment variable: `paypalClientId` → SHIELD_PAYPAL_CLIENT_ID. */
const envName = (key: string) => `SHIELD_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Settings that only work together: one of a group set without the others is an error. */
const TOGETHER = [
  ["grpcTlsCertFile", "grpcTlsKeyFile"],
  ["paypalClientId", "paypalClientSecret"],
  ["zuoraClientId", "zuoraClientSecret"],
  ["salesforceClientId", "salesforceClientSecret", "salesforceLoginUrl"],
] as const;

/**
 * Shield's settings (environment prefix SHIELD_), checked as a whole: a provider's credentials
 * are given all or none (the missing ones are named).
 */
export const shieldSettings = shieldFields.superRefine((s, ctx) => {
  for (const group of TOGETHER) {
    const set = group.filter((k) => s[k] !== undefined);
    if (set.length === 0 || set.length === group.length) continue;
    for (const k of group)
      if (s[k] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: `needed with ${set.map(envName).join(", ")}`,
        });
  }
});

export type ShieldSettings = z.infer<typeof shieldFields>;

/** The settings that are secrets (never logged or shown). */
export const SHIELD_SECRETS = [
  "googleAdsDeveloperToken",
  "googleAdsClientSecret",
  "googleAdsRefreshToken",
  "metaAccessToken",
  "stripeSecretKey",
  "paypalClientSecret",
  "zuoraClientSecret",
  "salesforceClientSecret",
  "hubspotAccessToken",
] as const;
