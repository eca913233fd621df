import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldSettings } from "../settings.ts";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import { type LocalGraphApi, startLocalGraphApi } from "../testing/local-graph-api.ts";
import { syncflowFromSettings } from "./syncflow-from-settings.ts";

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
  it("are none without credentials, and both with them, pointed at the configured URLs", async () => {
    expect((await syncflowFromSettings(shieldSettings.parse({}))).platforms).toEqual({});
    const { platforms, lanes } = await syncflowFromSettings(
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
    await platforms.google_ads?.setAmount({
      account: "42",
      target: { kind: "ad_group_cpc", adGroupId: "7" },
      amountMicros: 900_000,
    });
    await platforms.meta?.setAmount({
      account: "act_9",
      target: { kind: "ad_set_daily_budget", adSetId: "77" },
      amountMicros: 20_000_000,
    });
    expect(google.resources.get("customers/42/adGroups/7")).toBe("900000");
    expect(google.requests.at(-1)?.path).toBe("/v24/customers/42/adGroups:mutate");
    expect(graph.adSets.get("77")?.daily_budget).toBe(2_000);
  });

  it("name what is missing from a half-configured Google Ads, and refuse malformed values", async () => {
    await expect(
      syncflowFromSettings(
        shieldSettings.parse({ googleAdsDeveloperToken: "dev", googleAdsClientId: "c" }),
      ),
    ).rejects.toThrow(
      "SHIELD_GOOGLE_ADS_CLIENT_SECRET: required with a Google Ads developer token",
    );
    expect(
      shieldSettings.safeParse({ googleAdsLoginCustomerId: "111-222-3334" }).error?.issues[0],
    ).toMatchObject({
      path: ["googleAdsLoginCustomerId"],
      message: "expected a 10-digit customer id without dashes",
    });
  });
});
