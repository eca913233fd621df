/**
 * The live suite for Google Ads: the API itself, through the same client SyncFlow uses, on a test
 * account (test accounts serve no ads and spend nothing). Needs the internet and runs only with
 * KAMIYO_LIVE=1 (`npm run test:live`) and GOOGLE_ADS_DEVELOPER_TOKEN, GOOGLE_ADS_CLIENT_ID,
 * GOOGLE_ADS_CLIENT_SECRET, GOOGLE_ADS_REFRESH_TOKEN, GOOGLE_ADS_TEST_CUSTOMER_ID and
 * GOOGLE_ADS_TEST_AD_GROUP_ID set (GOOGLE_ADS_LOGIN_CUSTOMER_ID for a manager account,
 * GOOGLE_ADS_TEST_CAMPAIGN_ID to read spend). It raises the ad group's CPC bid by one cent and
 * puts it back.
 */
import { describe, expect, it } from "vitest";
import { GoogleAdsRestClient } from "./google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads-platform.ts";
import { googleOAuthAccessToken } from "./google-oauth.ts";

const env = process.env;
const need = [
  "GOOGLE_ADS_DEVELOPER_TOKEN",
  "GOOGLE_ADS_CLIENT_ID",
  "GOOGLE_ADS_CLIENT_SECRET",
  "GOOGLE_ADS_REFRESH_TOKEN",
  "GOOGLE_ADS_TEST_CUSTOMER_ID",
  "GOOGLE_ADS_TEST_AD_GROUP_ID",
] as const;
const live = env.KAMIYO_LIVE === "1" && need.every((k) => env[k]);
const v = (k: (typeof need)[number]) => env[k] as string;

describe.runIf(live)("Google Ads on a test account", () => {
  it("sets an ad group's CPC bid, reads it back, puts it back, and reads a campaign's spend", async () => {
    const client = new GoogleAdsRestClient({
      developerToken: v("GOOGLE_ADS_DEVELOPER_TOKEN"),
      ...(env.GOOGLE_ADS_LOGIN_CUSTOMER_ID
        ? { loginCustomerId: env.GOOGLE_ADS_LOGIN_CUSTOMER_ID }
        : {}),
      accessToken: googleOAuthAccessToken({
        clientId: v("GOOGLE_ADS_CLIENT_ID"),
        clientSecret: v("GOOGLE_ADS_CLIENT_SECRET"),
        refreshToken: v("GOOGLE_ADS_REFRESH_TOKEN"),
      }),
    });
    const ads = googleAdsPlatform(client);
    const customer = v("GOOGLE_ADS_TEST_CUSTOMER_ID");
    const adGroupId = v("GOOGLE_ADS_TEST_AD_GROUP_ID");
    const bidOf = async () => {
      const res = await client.search(
        customer,
        `SELECT ad_group.id, ad_group.cpc_bid_micros FROM ad_group WHERE ad_group.id = ${adGroupId}`,
      );
      return Number(
        (res.results?.[0]?.adGroup as { cpcBidMicros?: string } | undefined)?.cpcBidMicros,
      );
    };
    const before = await bidOf();
    expect(Number.isSafeInteger(before)).toBe(true);
    const target = { kind: "ad_group_cpc", adGroupId } as const;
    const set = await ads.setAmount({ account: customer, target, amountMicros: before + 10_000 });
    expect(set.externalId).toBe(`customers/${customer}/adGroups/${adGroupId}`);
    expect(await bidOf()).toBe(before + 10_000);
    await ads.setAmount({ account: customer, target, amountMicros: before });
    expect(await bidOf()).toBe(before);
    if (env.GOOGLE_ADS_TEST_CAMPAIGN_ID) {
      const today = new Date().toISOString().slice(0, 10);
      const spend = await ads.readSpend({
        account: customer,
        objectId: env.GOOGLE_ADS_TEST_CAMPAIGN_ID,
        since: today,
        until: today,
      });
      expect(Number.isSafeInteger(spend.spendMicros)).toBe(true);
    }
  }, 60_000);
});
