import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalGraphApi, startLocalGraphApi } from "../../testing/local-graph-api.ts";
import { PlatformError } from "../platform.ts";
import { bucRetryAfterMs } from "./meta-errors.ts";
import { metaPlatform } from "./meta-platform.ts";
import { metaUsageOf } from "./meta-usage.ts";

const TOKEN = "EAAB-test-token";
let server: LocalGraphApi;
let meta: ReturnType<typeof metaPlatform>;

beforeAll(async () => {
  server = await startLocalGraphApi({ accessToken: TOKEN });
  meta = metaPlatform({ accessToken: TOKEN, graphUrl: server.url });
  server.accounts.set("act_100", "USD");
  server.accounts.set("act_200", "JPY");
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.faults.length = 0;
  server.adSets.set("6001", {
    account: "act_100",
    bid_amount: 100,
    daily_budget: 5_000,
    spend: "12.34",
  });
  server.adSets.set("6002", { account: "act_200", bid_amount: 100, spend: "1234" });
});

const bid = (adSetId: string, amountMicros: number, account = "act_100") =>
  meta.setAmount({ account, target: { kind: "ad_set_bid", adSetId }, amountMicros });

describe("Meta Marketing API through facebook-nodejs-business-sdk", () => {
  it("sets an ad set's bid_amount in the account's minor units, the currency read once", async () => {
    expect(await bid("6001", 1_500_000)).toEqual({
      externalId: "6001",
      // What the answers said of the rate limits: the lane slows the account down from it.
      usage: { percent: 1, resetMs: null },
    });
    expect(server.adSets.get("6001")?.bid_amount).toBe(150);
    await bid("6001", 2_340_000);
    expect(server.adSets.get("6001")?.bid_amount).toBe(234);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v24.0/act_100",
      "POST /v24.0/6001",
      "POST /v24.0/6001",
    ]);
    expect(server.requests[1]?.body).toMatchObject({ bid_amount: 150 });
  });

  it("sends yen as whole yen (offset 1) and a daily budget in cents", async () => {
    await bid("6002", 150_000_000, "act_200");
    expect(server.adSets.get("6002")?.bid_amount).toBe(150);
    await meta.setAmount({
      account: "act_100",
      target: { kind: "ad_set_daily_budget", adSetId: "6001" },
      amountMicros: 75_000_000,
    });
    expect(server.adSets.get("6001")?.daily_budget).toBe(7_500);
  });

  it("refuses an amount that is not whole cents before the ad set is touched", async () => {
    await expect(bid("6001", 1_234_567)).rejects.toThrow("not a whole number of USD minor units");
    expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    expect(server.adSets.get("6001")?.bid_amount).toBe(100);
  });

  it("reads spend from Insights as exact micros", async () => {
    expect(
      await meta.readSpend({
        account: "act_100",
        objectId: "6001",
        since: "2026-12-01",
        until: "2026-12-06",
      }),
    ).toMatchObject({
      spendMicros: 12_340_000,
    });
    expect(
      await meta.readSpend({
        account: "act_200",
        objectId: "6002",
        since: "2026-12-01",
        until: "2026-12-06",
      }),
    ).toMatchObject({
      spendMicros: 1_234_000_000,
    });
  });

  it("reads throttling codes 80004, 17 and 613 as rate limited, waiting what the BUC header says, 17 over every account", async () => {
    await bid("6001", 10_000); // the currency is cached, so each fault meets the POST
    for (const code of [80004, 17, 613] as const) {
      server.faults.push({ kind: "throttle", code, minutes: 5 });
      const err = await bid("6001", 10_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlatformError);
      expect(err).toMatchObject({
        kind: "rate_limited",
        retryAfterMs: 300_000,
        status: 400,
        limitScope: code === 17 ? "platform" : "account",
      });
      expect((err as PlatformError).code).toMatch(new RegExp(`^${code}/`));
    }
  });

  it("tells transient, auth and rejected apart", async () => {
    await bid("6001", 10_000);
    server.faults.push({ kind: "transient" });
    expect(await bid("6001", 10_000).catch((e: unknown) => e)).toMatchObject({
      kind: "unavailable",
      status: 500,
      code: "2",
    });
    const wrong = metaPlatform({ accessToken: "wrong", graphUrl: server.url });
    expect(
      await wrong
        .setAmount({
          account: "act_100",
          target: { kind: "ad_set_bid", adSetId: "6001" },
          amountMicros: 10_000,
        })
        .catch((e: unknown) => e),
    ).toMatchObject({ kind: "auth", code: "190" });
    expect(await bid("6999", 10_000).catch((e: unknown) => e)).toMatchObject({
      kind: "rejected",
      code: "100/33",
    });
  });

  it("reads how much of its rate limits an answer says was used: the highest of Meta's three usage headers", () => {
    expect(
      metaUsageOf({
        "x-business-use-case-usage": JSON.stringify({
          "1": [{ type: "ads_management", call_count: 12, total_cputime: 40, total_time: 30 }],
        }),
        "x-ad-account-usage": JSON.stringify({ acc_id_util_pct: 9.67, reset_time_duration: 100 }),
        "x-app-usage": JSON.stringify({ call_count: 5, total_cputime: 2, total_time: 3 }),
      }),
    ).toEqual({ percent: 40, resetMs: 100_000 });
    expect(
      metaUsageOf({
        "x-business-use-case-usage": JSON.stringify({
          "1": [{ call_count: 100, estimated_time_to_regain_access: 7 }],
        }),
      }),
    ).toEqual({ percent: 100, resetMs: 420_000 });
    expect(metaUsageOf({ "x-app-usage": "not json" })).toBeNull();
    expect(metaUsageOf({})).toBeNull();
  });

  it("reads the X-Business-Use-Case-Usage wait in minutes, the longest of its entries", () => {
    const header = JSON.stringify({
      "1": [{ type: "ads_management", call_count: 100, estimated_time_to_regain_access: 2 }],
      "2": [{ type: "ads_insights", call_count: 50, estimated_time_to_regain_access: 7 }],
    });
    expect(bucRetryAfterMs(header)).toBe(420_000);
    expect(bucRetryAfterMs('{"1":[{"estimated_time_to_regain_access":0}]}')).toBeUndefined();
    expect(bucRetryAfterMs("not json")).toBeUndefined();
  });

  it("reads a platform it cannot reach as unavailable, without the token (which the SDK puts in URLs) in the error", async () => {
    const closed = await startLocalGraphApi({ accessToken: TOKEN });
    await closed.close();
    const unreachable = metaPlatform({ accessToken: TOKEN, graphUrl: closed.url });
    const err = await unreachable
      .setAmount({
        account: "act_100",
        target: { kind: "ad_set_bid", adSetId: "6001" },
        amountMicros: 10_000,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "unavailable", retryable: true });
    expect(inspect(err, { depth: 8 })).not.toContain(TOKEN);
  });
});
