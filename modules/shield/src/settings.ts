import { z } from "zod";
import { GOOGLE_ADS_API_VERSION } from "./syncflow/google-ads/google-ads-client.ts";

/** Shield's settings (environment prefix SHIELD_). */
export const shieldSettings = z
  .object({
    grpcPort: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe(
        "Port of Shield's gRPC services (SyncValue) beside the HTTP API; 0 picks a free one. Unset: gRPC is not served",
      ),
    grpcHost: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("Address the gRPC services listen on"),
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
      .describe("SyncFlow: the Google Ads API developer token. Unset: no bids to Google Ads"),
    googleAdsLoginCustomerId: z
      .string()
      .regex(/^\d{10}$/, "expected a 10-digit customer id without dashes")
      .optional()
      .describe(
        "SyncFlow: the manager account (login-customer-id) calling for its client accounts",
      ),
    googleAdsClientId: z
      .string()
      .min(1)
      .optional()
      .describe("SyncFlow: the OAuth client id for Google Ads"),
    googleAdsClientSecret: z
      .string()
      .min(1)
      .optional()
      .describe("SyncFlow: the OAuth client secret"),
    googleAdsRefreshToken: z
      .string()
      .min(1)
      .optional()
      .describe(
        "SyncFlow: the OAuth refresh token of a user with access to the accounts (adwords scope)",
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
        "SyncFlow: a Meta system user's access token with ads_management. Unset: no bids to Meta",
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
  })
  .refine((s) => (s.grpcTlsCertFile === undefined) === (s.grpcTlsKeyFile === undefined), {
    message: "set both or neither of the TLS certificate and key files",
    path: ["grpcTlsKeyFile"],
  });

/** Settings that are credentials: masked by `kamiyo config`, never logged. */
export const SHIELD_SECRETS = [
  "googleAdsDeveloperToken",
  "googleAdsClientSecret",
  "googleAdsRefreshToken",
  "metaAccessToken",
] as const;

export type ShieldSettings = z.infer<typeof shieldSettings>;
