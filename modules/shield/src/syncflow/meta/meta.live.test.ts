/**
 * The live suite for the Meta Marketing API: the Graph API itself, through the same SDK and code
 * SyncFlow uses, on a sandbox ad account (sandbox accounts deliver no ads and spend nothing).
 * Needs the internet and runs only with KAMIYO_LIVE=1 (`npm run test:live`), META_ACCESS_TOKEN
 * (with ads_management), META_TEST_AD_ACCOUNT_ID (`act_…`) and META_TEST_AD_SET_ID (an ad set
 * with a daily budget). It raises the daily budget by one minor unit and puts it back.
 */
import { AdSet, FacebookAdsApi } from "facebook-nodejs-business-sdk";
import { describe, expect, it } from "vitest";
import { minorUnitsToMicros } from "../money.ts";
import { metaPlatform } from "./meta-platform.ts";

const env = process.env;
const live =
  env.KAMIYO_LIVE === "1" &&
  !!env.META_ACCESS_TOKEN &&
  /^act_\d+$/.test(env.META_TEST_AD_ACCOUNT_ID ?? "") &&
  !!env.META_TEST_AD_SET_ID;

describe.runIf(live)("Meta Marketing API on a sandbox ad account", () => {
  it("sets an ad set's daily budget from micros, reads it back, puts it back, and reads its spend", async () => {
    const token = env.META_ACCESS_TOKEN as string;
    const account = env.META_TEST_AD_ACCOUNT_ID as string;
    const adSetId = env.META_TEST_AD_SET_ID as string;
    const api = new FacebookAdsApi(token, "en_US", false);
    const read = async () => {
      const a = await new AdSet(adSetId, {}, undefined, api).get(["daily_budget"]);
      return Number((a as unknown as { daily_budget: string }).daily_budget);
    };
    const currency = String(
      ((await api.call("GET", [account], { fields: "currency" })) as { currency: string }).currency,
    );
    const before = await read();
    const meta = metaPlatform({ accessToken: token });
    const target = { kind: "ad_set_daily_budget", adSetId } as const;
    await meta.setAmount({
      account,
      target,
      amountMicros: minorUnitsToMicros(before + 1, currency),
    });
    expect(await read()).toBe(before + 1);
    await meta.setAmount({ account, target, amountMicros: minorUnitsToMicros(before, currency) });
    expect(await read()).toBe(before);
    const today = new Date().toISOString().slice(0, 10);
    const spend = await meta.readSpend({ account, objectId: adSetId, since: today, until: today });
    expect(Number.isSafeInteger(spend.spendMicros)).toBe(true);
  }, 60_000);
});
