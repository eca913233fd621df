import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldSettings } from "../settings.ts";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import { type LocalGraphApi, startLocalGraphApi } from "../testing/local-graph-api.ts";
import { platformClient, syncflowFromSettings } from "./syncflow-from-settings.ts";

const oauth = {
  clientId: "cid.apps.googleusercontent.com",
  clientSecret: "GOCSPX-x",
  refreshToken: "1//r",
};
let google: LocalGoogleAds;
let graph: LocalGraphApi;

beforeAll(async () => {
  google = await startLocalGoogleAds({
    accessToken: "unused",
    developerToken: "dev-s",
    loginCustomerId: "1112223334",
    oauth,
  });
  graph = await startLocalGraphApi({ accessToken: "EAAB-s" });
  google.resources.set("customers/42/adGroups/7", "0");
  graph.accounts.set("act_9", "GBP");
  graph.adSets.set("77", { account: "act_9", spend: "0" });
});
afterAll(async () => {
  await google.close();
  await graph.close();
});

describe("the platforms Shield's settings configure", () => {
  it("are none without credentials; with them, the install tenant's clients pointed at the configured URLs", async () => {
    expect(syncflowFromSettings(shieldSettings.parse({}))).toMatchObject({
      apps: { google_ads: null },
      installCredentials: [],
    });
    const { apps, installCredentials, lanes } = syncflowFromSettings(
      shieldSettings.parse({
        googleAdsApiUrl: google.url,
        googleAdsDeveloperToken: "dev-s",
        googleAdsLoginCustomerId: "1112223334",
        googleAdsClientId: oauth.clientId,
        googleAdsClientSecret: oauth.clientSecret,
        googleAdsRefreshToken: oauth.refreshToken,
        googleOAuthTokenUrl: `${google.url}/token`,
        metaGraphUrl: graph.url,
        metaAccessToken: "EAAB-s",
        syncflowTimeoutMs: 2_500,
      }),
    );
    expect(lanes).toEqual({ google_ads: { timeoutMs: 2_500 }, meta: { timeoutMs: 2_500 } });
    expect(installCredentials).toEqual([
      { platform: "google_ads", refreshToken: "1//r", loginCustomerId: "1112223334" },
      { platform: "meta", accessToken: "EAAB-s" },
    ]);
    const [googleGrant, metaGrant] = installCredentials;
    if (!googleGrant || !metaGrant) throw new Error("no credentials");
    const ads = await platformClient(apps, googleGrant);
    const meta = await platformClient(apps, metaGrant);
    await ads.setAmount({
      account: "42",
      target: { kind: "ad_group_cpc", adGroupId: "7" },
      amountMicros: 900_000,
    });
    await meta.setAmount({
      account: "act_9",
      target: { kind: "ad_set_daily_budget", adSetId: "77" },
      amountMicros: 20_000_000,
    });
    expect(google.resources.get("customers/42/adGroups/7")).toBe("900000");
    expect(google.requests.at(-1)?.path).toBe("/v24/customers/42/adGroups:mutate");
    expect(graph.adSets.get("77")?.daily_budget).toBe(2_000);
    // Each says whose grant it is.
    expect(await ads.verify()).toEqual({ identity: "customers 42" });
    expect(await meta.verify()).toEqual({ identity: "SyncFlow (100000000000001)" });
  });

  it("name what is missing from a half-configured Google Ads, and refuse malformed values", () => {
    expect(() =>
      syncflowFromSettings(
        shieldSettings.parse({ googleAdsDeveloperToken: "dev", googleAdsClientId: "c" }),
      ),
    ).toThrow("SHIELD_GOOGLE_ADS_CLIENT_SECRET: required with a Google Ads developer token");
    expect(() =>
      syncflowFromSettings(shieldSettings.parse({ googleAdsRefreshToken: "1//r" })),
    ).toThrow("SHIELD_GOOGLE_ADS_REFRESH_TOKEN: needs SHIELD_GOOGLE_ADS_DEVELOPER_TOKEN");
    expect(
      shieldSettings.safeParse({ googleAdsLoginCustomerId: "111-222-3334" }).error?.issues[0],
    ).toMatchObject({
      path: ["googleAdsLoginCustomerId"],
      message: "expected a 10-digit customer id without dashes",
    });
  });

  it("cannot make a Google Ads client without the app's developer token", async () => {
    const { apps } = syncflowFromSettings(shieldSettings.parse({}));
    await expect(
      platformClient(apps, { platform: "google_ads", refreshToken: "1//r" }),
    ).rejects.toThrow("this server has no Google Ads developer token");
  });
});
