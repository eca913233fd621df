import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalGoogleAds, startLocalGoogleAds } from "../../testing/local-google-ads.ts";
import { PlatformError } from "../platform.ts";
import { GoogleAdsRestClient } from "./google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads-platform.ts";
import { googleOAuthAccessToken } from "./google-oauth.ts";

const creds = {
  accessToken: "ya29.test-token",
  developerToken: "dev-token-123",
  loginCustomerId: "9998887776",
};
const oauth = {
  clientId: "123-abc.apps.googleusercontent.com",
  clientSecret: "GOCSPX-secret",
  refreshToken: "1//refresh-secret",
};
let server: LocalGoogleAds;
let ads: ReturnType<typeof googleAdsPlatform>;

const client = (over: Partial<{ accessToken: string; developerToken: string }> = {}) =>
  new GoogleAdsRestClient({
    baseUrl: server.url,
    developerToken: over.developerToken ?? creds.developerToken,
    loginCustomerId: creds.loginCustomerId,
    accessToken: () => over.accessToken ?? creds.accessToken,
  });

beforeAll(async () => {
  server = await startLocalGoogleAds({ ...creds, oauth });
  ads = googleAdsPlatform(client());
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.faults.length = 0;
  server.resources.set("customers/1234567890/adGroups/111", "1000000");
  server.resources.set("customers/1234567890/adGroupCriteria/111~222", "1000000");
  server.resources.set("customers/1234567890/campaignBudgets/333", "50000000");
});

describe("Google Ads over REST", () => {
  it("sets an ad group's CPC bid by adGroups:mutate with the update mask and the three headers", async () => {
    const res = await ads.setAmount({
      account: "1234567890",
      target: { kind: "ad_group_cpc", adGroupId: "111" },
      amountMicros: 2_500_000,
    });
    expect(res.externalId).toBe("customers/1234567890/adGroups/111");
    expect(server.resources.get("customers/1234567890/adGroups/111")).toBe("2500000");
    const [req] = server.requests;
    expect(req?.path).toBe("/v24/customers/1234567890/adGroups:mutate");
    expect(req?.headers.authorization).toBe("Bearer ya29.test-token");
    expect(req?.headers["developer-token"]).toBe("dev-token-123");
    expect(req?.headers["login-customer-id"]).toBe("9998887776");
    expect(req?.body).toEqual({
      operations: [
        {
          update: { resourceName: "customers/1234567890/adGroups/111", cpcBidMicros: "2500000" },
          updateMask: "cpcBidMicros",
        },
      ],
      partialFailure: false,
    });
  });

  it("sets a keyword's bid and a campaign budget's amount", async () => {
    await ads.setAmount({
      account: "1234567890",
      target: { kind: "keyword_cpc", adGroupId: "111", criterionId: "222" },
      amountMicros: 750_000,
    });
    await ads.setAmount({
      account: "1234567890",
      target: { kind: "campaign_budget", budgetId: "333" },
      amountMicros: 80_000_000,
    });
    expect(server.resources.get("customers/1234567890/adGroupCriteria/111~222")).toBe("750000");
    expect(server.resources.get("customers/1234567890/campaignBudgets/333")).toBe("80000000");
    expect(server.requests.map((r) => r.path)).toEqual([
      "/v24/customers/1234567890/adGroupCriteria:mutate",
      "/v24/customers/1234567890/campaignBudgets:mutate",
    ]);
  });

  it("reads a campaign's cost in micros by googleAds:search", async () => {
    server.costs.set("444", "123456789");
    const spend = await ads.readSpend({
      account: "1234567890",
      objectId: "444",
      since: "2026-12-01",
      until: "2026-12-06",
    });
    expect(spend).toEqual({ spendMicros: 123_456_789 });
    expect((server.requests[0]?.body as { query?: string } | undefined)?.query).toContain(
      "FROM campaign WHERE campaign.id = 444 AND segments.date BETWEEN '2026-12-01' AND '2026-12-06'",
    );
  });

  it("reads a quota error as rate limited, with the retry delay of its QuotaErrorDetails", async () => {
    server.faults.push({ kind: "quota", retryDelay: "30s" });
    const err = await ads
      .setAmount({
        account: "1234567890",
        target: { kind: "ad_group_cpc", adGroupId: "111" },
        amountMicros: 1,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({
      kind: "rate_limited",
      status: 429,
      code: "quotaError: RESOURCE_TEMPORARILY_EXHAUSTED",
      retryAfterMs: 30_000,
      limitScope: "account",
      retryable: true,
    });
    expect((err as PlatformError).requestId).toMatch(/^req-/);
  });

  it("tells unavailable, auth and rejected apart", async () => {
    const set = (p = ads, adGroupId = "111") =>
      p
        .setAmount({
          account: "1234567890",
          target: { kind: "ad_group_cpc", adGroupId },
          amountMicros: 1,
        })
        .catch((e: unknown) => e);
    server.faults.push({ kind: "unavailable" });
    expect(await set()).toMatchObject({ kind: "unavailable", status: 503, retryable: true });
    expect(await set(googleAdsPlatform(client({ accessToken: "wrong" })))).toMatchObject({
      kind: "auth",
      code: "authenticationError: OAUTH_TOKEN_INVALID",
      retryable: false,
    });
    expect(await set(googleAdsPlatform(client({ developerToken: "wrong" })))).toMatchObject({
      kind: "auth",
      code: "authenticationError: DEVELOPER_TOKEN_INVALID",
    });
    expect(await set(ads, "999")).toMatchObject({
      kind: "rejected",
      status: 400,
      code: "mutateError: RESOURCE_NOT_FOUND",
      message: "google_ads: Resource was not found.",
    });
  });

  it("refuses bad ids and amounts before sending anything", async () => {
    await expect(
      ads.setAmount({
        account: "123-456-7890",
        target: { kind: "ad_group_cpc", adGroupId: "111" },
        amountMicros: 1,
      }),
    ).rejects.toThrow('account: expected digits, got "123-456-7890"');
    await expect(
      ads.setAmount({
        account: "1234567890",
        target: { kind: "ad_group_cpc", adGroupId: "111" },
        amountMicros: 1.5,
      }),
    ).rejects.toThrow("amountMicros: expected whole micros ≥ 0, got 1.5");
    await expect(
      ads.setAmount({
        account: "1234567890",
        target: { kind: "ad_set_bid", adSetId: "1" },
        amountMicros: 1,
      }),
    ).rejects.toThrow("target kind ad_set_bid is not a Google Ads object");
    expect(server.requests).toHaveLength(0);
  });

  it("gets its access token from a refresh token through google-auth-library, once for several calls", async () => {
    const viaOAuth = googleAdsPlatform(
      new GoogleAdsRestClient({
        baseUrl: server.url,
        developerToken: creds.developerToken,
        loginCustomerId: creds.loginCustomerId,
        accessToken: googleOAuthAccessToken({ ...oauth, tokenUrl: `${server.url}/token` }),
      }),
    );
    for (const micros of [1_000_000, 2_000_000])
      await viaOAuth.setAmount({
        account: "1234567890",
        target: { kind: "ad_group_cpc", adGroupId: "111" },
        amountMicros: micros,
      });
    expect(server.requests.map((r) => r.path)).toEqual([
      "/token",
      "/v24/customers/1234567890/adGroups:mutate",
      "/v24/customers/1234567890/adGroups:mutate",
    ]);
    expect(server.requests[1]?.headers.authorization).toBe("Bearer ya29.local-1");

    const revoked = googleOAuthAccessToken({
      ...oauth,
      refreshToken: "1//revoked",
      tokenUrl: `${server.url}/token`,
    });
    const err = await revoked().catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: "auth",
      status: 400,
      message: "google_ads: Google refused the OAuth refresh token",
    });
    expect(JSON.stringify({ ...(err as object), cause: (err as Error).cause })).not.toContain(
      "secret",
    );
  });
});
