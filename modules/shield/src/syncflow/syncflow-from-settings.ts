import type { ShieldSettings } from "../settings.ts";
import { GoogleAdsRestClient } from "./google-ads/google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads/google-ads-platform.ts";
import type { AdPlatform, PlatformId } from "./platform.ts";
import type { LaneOptions } from "./platform-lane.ts";

/** What a `Bidder` takes from Shield's settings: its platforms and their lanes' options. */
export interface SyncflowFromSettings {
  platforms: Partial<Record<PlatformId, AdPlatform>>;
  lanes: Partial<Record<PlatformId, Partial<LaneOptions>>>;
}

/**
 * The ad platforms Shield's settings configure: Google Ads when its developer token is set (with
 * the OAuth client and refresh token, all three required then), Meta when its access token is;
 * each platform's calls timed out after `syncflowTimeoutMs`.
 * Google's OAuth library and Meta's SDK are loaded only when configured (some 120 ms at start-up
 * that no other command should pay).
 * @throws Error naming the missing setting for a half-configured Google Ads.
 */
export async function syncflowFromSettings(s: ShieldSettings): Promise<SyncflowFromSettings> {
  const out: Partial<Record<PlatformId, AdPlatform>> = {};
  if (s.googleAdsDeveloperToken) {
    for (const k of [
      "googleAdsClientId",
      "googleAdsClientSecret",
      "googleAdsRefreshToken",
    ] as const)
      if (!s[k])
        throw new Error(
          `SHIELD_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}: required with a Google Ads developer token`,
        );
    const { googleOAuthAccessToken } = await import("./google-ads/google-oauth.ts");
    out.google_ads = googleAdsPlatform(
      new GoogleAdsRestClient({
        baseUrl: s.googleAdsApiUrl,
        version: s.googleAdsApiVersion,
        developerToken: s.googleAdsDeveloperToken,
        ...(s.googleAdsLoginCustomerId ? { loginCustomerId: s.googleAdsLoginCustomerId } : {}),
        accessToken: googleOAuthAccessToken({
          clientId: s.googleAdsClientId as string,
          clientSecret: s.googleAdsClientSecret as string,
          refreshToken: s.googleAdsRefreshToken as string,
          tokenUrl: s.googleOAuthTokenUrl,
        }),
      }),
    );
  }
  if (s.metaAccessToken) {
    const { metaPlatform } = await import("./meta/meta-platform.ts");
    out.meta = metaPlatform({ accessToken: s.metaAccessToken, graphUrl: s.metaGraphUrl });
  }
  const lane = { timeoutMs: s.syncflowTimeoutMs };
  return { platforms: out, lanes: { google_ads: lane, meta: lane } };
}
