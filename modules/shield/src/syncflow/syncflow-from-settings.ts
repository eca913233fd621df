import { screamingSnake } from "@kamiyo/platform";
import type { ShieldSettings } from "../settings.ts";
import { GoogleAdsRestClient } from "./google-ads/google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads/google-ads-platform.ts";
import type { AdPlatform, PlatformId } from "./platform.ts";
import type { LaneOptions } from "./platform-lane.ts";

/**
 * The install's own registration with each platform, which every tenant's connection is made
 * through: Google Ads' developer token and OAuth client (null when not configured: then nobody
 * can connect Google Ads), Meta's Graph API root (Meta needs nothing more of the app).
 */
export interface PlatformApps {
  google_ads: {
    apiUrl: string;
    apiVersion: string;
    developerToken: string;
    clientId: string;
    clientSecret: string;
    tokenUrl: string;
  } | null;
  meta: { graphUrl: string };
}

/**
 * A tenant's own grant on a platform: Google Ads, the OAuth refresh token of a user with access
 * to its accounts (and the manager account to call through); Meta, a system user's access token.
 */
export type PlatformCredential =
  | { platform: "google_ads"; refreshToken: string; loginCustomerId?: string }
  | { platform: "meta"; accessToken: string };

/** What SyncFlow takes from Shield's settings. */
export interface SyncflowFromSettings {
  apps: PlatformApps;
  /**
   * The install's own tenant's credentials, from the settings (a one-tenant install needs no
   * other); other tenants connect their own.
   */
  installCredentials: PlatformCredential[];
  lanes: Partial<Record<PlatformId, Partial<LaneOptions>>>;
}

/**
 * SyncFlow's platforms as Shield's settings configure them: Google Ads' app when its developer
 * token is set (with the OAuth client, both required then), the install tenant's Google Ads grant
 * when a refresh token is set too, its Meta grant when an access token is; each platform call
 * timed out after `syncflowTimeoutMs`.
 * @throws Error naming the missing setting for a half-configured Google Ads.
 */
export function syncflowFromSettings(s: ShieldSettings): SyncflowFromSettings {
  let google: PlatformApps["google_ads"] = null;
  if (s.googleAdsDeveloperToken) {
    for (const k of ["googleAdsClientId", "googleAdsClientSecret"] as const)
      if (!s[k]) throw new Error(`${settingName(k)}: required with a Google Ads developer token`);
    google = {
      apiUrl: s.googleAdsApiUrl,
      apiVersion: s.googleAdsApiVersion,
      developerToken: s.googleAdsDeveloperToken,
      clientId: s.googleAdsClientId as string,
      clientSecret: s.googleAdsClientSecret as string,
      tokenUrl: s.googleOAuthTokenUrl,
    };
  }
  if (s.googleAdsRefreshToken && !google)
    throw new Error(
      `${settingName("googleAdsRefreshToken")}: needs SHIELD_GOOGLE_ADS_DEVELOPER_TOKEN and the OAuth client`,
    );
  const installCredentials: PlatformCredential[] = [];
  if (s.googleAdsRefreshToken)
    installCredentials.push({
      platform: "google_ads",
      refreshToken: s.googleAdsRefreshToken,
      ...(s.googleAdsLoginCustomerId ? { loginCustomerId: s.googleAdsLoginCustomerId } : {}),
    });
  if (s.metaAccessToken)
    installCredentials.push({ platform: "meta", accessToken: s.metaAccessToken });
  const lane = { timeoutMs: s.syncflowTimeoutMs };
  return {
    apps: { google_ads: google, meta: { graphUrl: s.metaGraphUrl } },
    installCredentials,
    lanes: { google_ads: lane, meta: lane },
  };
}

/**
 * The client for calls with `credential`, through the install's `apps`. Google's OAuth library
 * and Meta's SDK are loaded on first use (some 120 ms that no other command should pay).
 * @throws Error when the platform's app is not configured (Google Ads without a developer token).
 */
export async function platformClient(
  apps: PlatformApps,
  credential: PlatformCredential,
): Promise<AdPlatform> {
  if (credential.platform === "meta") {
    const { metaPlatform } = await import("./meta/meta-platform.ts");
    return metaPlatform({ accessToken: credential.accessToken, graphUrl: apps.meta.graphUrl });
  }
  const app = apps.google_ads;
  if (!app)
    throw new Error(
      "this server has no Google Ads developer token (SHIELD_GOOGLE_ADS_DEVELOPER_TOKEN and its OAuth client)",
    );
  const { googleOAuthAccessToken } = await import("./google-ads/google-oauth.ts");
  return googleAdsPlatform(
    new GoogleAdsRestClient({
      baseUrl: app.apiUrl,
      version: app.apiVersion,
      developerToken: app.developerToken,
      ...(credential.loginCustomerId ? { loginCustomerId: credential.loginCustomerId } : {}),
      accessToken: googleOAuthAccessToken({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        refreshToken: credential.refreshToken,
        tokenUrl: app.tokenUrl,
      }),
    }),
  );
}

/** `googleAdsClientId` → `SHIELD_GOOGLE_ADS_CLIENT_ID`. */
const settingName = (field: string) => `SHIELD_${screamingSnake(field)}`;
