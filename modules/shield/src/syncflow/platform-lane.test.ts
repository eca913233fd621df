import { SystemClock, VirtualClock } from "@kamiyo/core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import { type LocalGraphApi, startLocalGraphApi } from "../testing/local-graph-api.ts";
import { GoogleAdsRestClient } from "./google-ads/google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads/google-ads-platform.ts";
import { metaPlatform } from "./meta/meta-platform.ts";
import type { AdPlatform, PlatformError } from "./platform.ts";
import {
  CIRCUIT_OPEN,
  type LaneOptions,
  PlatformLane,
  type PlatformPause,
} from "./platform-lane.ts";

const creds = { accessToken: "ya29.lane", developerToken: "dev-lane" };
const FAST: Partial<LaneOptions> = {
  timeoutMs: 2_000, // generous: a loaded CI machine must not time out a loopback call
  retries: 2,
  backoffInitialMs: 1,
  backoffMaxMs: 2,
  breakerFailures: 3,
  halfOpenAfterMs: 30_000,
  callsPerMinute: 6_000,
  burst: 100,
};
let google: LocalGoogleAds;
let graph: LocalGraphApi;
let ads: AdPlatform;
let meta: AdPlatform;

beforeAll(async () => {
  google = await startLocalGoogleAds(creds);
  graph = await startLocalGraphApi({ accessToken: "EAAB-lane" });
  ads = googleAdsPlatform(
    new GoogleAdsRestClient({
      baseUrl: google.url,
      developerToken: creds.developerToken,
      accessToken: () => creds.accessToken,
    }),
  );
  meta = metaPlatform({ accessToken: "EAAB-lane", graphUrl: graph.url });
  graph.accounts.set("act_7", "USD");
});
afterAll(async () => {
  await google.close();
  await graph.close();
});
beforeEach(() => {
  google.requests.length = 0;
  google.faults.length = 0;
  google.resources.set("customers/42/adGroups/1", "0");
  graph.requests.length = 0;
  graph.faults.length = 0;
  graph.adSets.set("9001", { account: "act_7", spend: "0" });
});
afterEach(() => {
  vi.useRealTimers();
});

const setBid =
  (adGroupId = "1") =>
  (signal: AbortSignal) =>
    ads.setAmount(
      { account: "42", target: { kind: "ad_group_cpc", adGroupId }, amountMicros: 1_000_000 },
      signal,
    );
/** A bid on the local Graph API's ad set 9001 of act_7 (its first call reads the currency). */
const setMetaBid = (signal: AbortSignal) =>
  meta.setAmount(
    { account: "act_7", target: { kind: "ad_set_bid", adSetId: "9001" }, amountMicros: 20_000 },
    signal,
  );
const fails = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as PlatformError,
  );

describe("a platform account's lane", () => {
  it("opens its circuit after consecutive failures and then refuses calls without sending them", async () => {
    const lane = new PlatformLane("google_ads", "42", new SystemClock(), FAST);
    google.faults.push({ kind: "unavailable" }, { kind: "unavailable" }, { kind: "unavailable" });
    for (let i = 0; i < 3; i++)
      expect(await fails(lane.run(setBid(), { idempotent: false }))).toMatchObject({
        kind: "unavailable",
      });
    expect(lane.snapshot().state).toBe("open");
    const refused = await fails(lane.run(setBid(), { idempotent: true }));
    expect(refused).toMatchObject({ kind: "unavailable", code: CIRCUIT_OPEN });
    expect(google.requests).toHaveLength(3);
    expect(lane.snapshot().counters).toMatchObject({
      calls: 4,
      failures: 3,
      shortCircuited: 1,
      opened: 1,
      retries: 0,
    });
  });

  it("lets one probe through after its cooldown: a failure opens it again, a success closes it", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const lane = new PlatformLane("google_ads", "42", new SystemClock(), FAST);
    google.faults.push(...Array.from({ length: 4 }, () => ({ kind: "unavailable" as const })));
    for (let i = 0; i < 3; i++) await fails(lane.run(setBid(), { idempotent: false }));
    const opened = Date.now();
    vi.setSystemTime(opened + 29_999);
    expect(await fails(lane.run(setBid(), { idempotent: false }))).toMatchObject({
      code: CIRCUIT_OPEN,
    });
    expect(google.requests).toHaveLength(3);
    vi.setSystemTime(opened + 30_000);
    expect(await fails(lane.run(setBid(), { idempotent: false }))).toMatchObject({
      kind: "unavailable",
      status: 503,
    });
    expect(google.requests).toHaveLength(4);
    expect(lane.snapshot()).toMatchObject({
      state: "open",
      counters: { halfOpened: 1, opened: 2 },
    });
    vi.setSystemTime(opened + 60_000);
    await lane.run(setBid(), { idempotent: false });
    expect(google.requests).toHaveLength(5);
    expect(lane.snapshot()).toMatchObject({
      state: "closed",
      counters: { halfOpened: 2, closed: 1 },
    });
  });

  it("retries an idempotent call with backoff, and gives up after its retries", async () => {
    const lane = new PlatformLane("google_ads", "42", new SystemClock(), FAST);
    google.faults.push({ kind: "unavailable" }, { kind: "unavailable" });
    await lane.run(setBid(), { idempotent: true });
    expect(google.requests).toHaveLength(3);
    expect(google.resources.get("customers/42/adGroups/1")).toBe("1000000");
    google.faults.push({ kind: "unavailable" }, { kind: "unavailable" }, { kind: "unavailable" });
    expect(await fails(lane.run(setBid(), { idempotent: true }))).toMatchObject({
      kind: "unavailable",
    });
    expect(google.requests).toHaveLength(6);
    expect(lane.snapshot().counters.retries).toBe(4);
  });

  it("never sends a non-idempotent call twice, not even after a timeout; an idempotent one is sent again", async () => {
    // Replies held a minute (until the client gives up): only the timeout ends these calls.
    const lane = new PlatformLane("google_ads", "42", new SystemClock(), {
      ...FAST,
      timeoutMs: 400,
    });
    google.faults.push({ kind: "slow", ms: 60_000 });
    expect(await fails(lane.run(setBid(), { idempotent: false }))).toMatchObject({
      kind: "timeout",
    });
    expect(google.requests).toHaveLength(1);
    google.faults.push({ kind: "slow", ms: 60_000 });
    await lane.run(setBid(), { idempotent: true });
    expect(google.requests).toHaveLength(3);
    expect(lane.snapshot().counters).toMatchObject({ timeouts: 2, retries: 1, successes: 1 });
  });

  it("neither retries nor counts toward its circuit a call the platform rejected", async () => {
    const lane = new PlatformLane("google_ads", "42", new SystemClock(), FAST);
    for (let i = 0; i < 5; i++)
      expect(await fails(lane.run(setBid("404"), { idempotent: true }))).toMatchObject({
        kind: "rejected",
      });
    expect(google.requests).toHaveLength(5);
    expect(lane.snapshot().state).toBe("closed");
  });

  it("waits out the platform's retry delay on its clock before sending again, and holds the account's other calls", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    const t0 = clock.now();
    const lane = new PlatformLane("google_ads", "42", clock, FAST);
    google.faults.push({ kind: "quota", retryDelay: "30s" });
    const first = lane.run(setBid(), { idempotent: true });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1), { timeout: 5_000 });
    const second = lane.run(setBid(), { idempotent: false });
    expect(lane.snapshot().pausedUntil).toBe(t0 + 30_000);
    clock.advanceTo(t0 + 29_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(google.requests).toHaveLength(1);
    clock.advanceTo(t0 + 30_000);
    await Promise.all([first, second]);
    expect(google.requests).toHaveLength(3);
    expect(lane.snapshot().counters).toMatchObject({ rateLimited: 1, retries: 1, successes: 2 });
  });

  it("fails at once a call whose announced wait is longer than it waits in line, and keeps the account paused", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    const lane = new PlatformLane("meta", "act_7", clock, FAST);
    await lane.run(setMetaBid, { idempotent: true }); // reads the account's currency
    graph.faults.push({ kind: "throttle", code: 80004, minutes: 5 });
    const err = await fails(lane.run(setMetaBid, { idempotent: true }));
    expect(err).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 300_000,
      code: "80004/2446079",
    });
    expect(graph.requests).toHaveLength(3);
    expect(lane.snapshot().pausedUntil).toBe(clock.now() + 300_000);
    const held = lane.run(setMetaBid, { idempotent: true });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1), { timeout: 5_000 });
    expect(graph.requests).toHaveLength(3);
    clock.advanceTo(clock.now() + 300_000);
    await held;
    expect(graph.requests).toHaveLength(4);
    expect(graph.adSets.get("9001")?.bid_amount).toBe(2);
  });

  it("slows an account down when Meta's answers say its calls near a rate limit, before it is throttled", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    const lane = new PlatformLane("meta", "act_7", clock, FAST);
    try {
      // Below 90 % of every limit: no wait.
      graph.usage.callCountPct = 89;
      await lane.run(setMetaBid, { idempotent: true });
      expect(lane.snapshot()).toMatchObject({ pausedUntil: 0, counters: { slowedDown: 0 } });
      // 95 % of the ad account's limit, whose window resets in 300 s: half of it is waited.
      graph.usage.adAccount = { pct: 95, resetSeconds: 300 };
      expect(await lane.run(setMetaBid, { idempotent: true })).toMatchObject({
        usage: { percent: 95, resetMs: 300_000 },
      });
      expect(lane.snapshot()).toMatchObject({
        pausedUntil: clock.now() + 150_000,
        counters: { slowedDown: 1, rateLimited: 0 },
      });
      const sent = graph.requests.length;
      const held = lane.run(setMetaBid, { idempotent: true });
      await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1), { timeout: 5_000 });
      expect(graph.requests).toHaveLength(sent);
      clock.advanceTo(clock.now() + 150_000);
      await held;
      expect(graph.requests).toHaveLength(sent + 1);
    } finally {
      graph.usage.callCountPct = 1;
      graph.usage.adAccount = null;
    }
  });

  it("paces its calls to the account's rate on its clock", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 11, 6));
    const t0 = clock.now();
    const lane = new PlatformLane("google_ads", "42", clock, {
      ...FAST,
      callsPerMinute: 60,
      burst: 2,
    });
    await lane.run(setBid(), { idempotent: true });
    await lane.run(setBid(), { idempotent: true });
    const third = lane.run(setBid(), { idempotent: true });
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1), { timeout: 5_000 });
    expect(clock.nextTimerAt()).toBe(t0 + 1_000);
    expect(google.requests).toHaveLength(2);
    clock.advanceTo(t0 + 1_000);
    await third;
    expect(google.requests).toHaveLength(3);
  });

  it("holds every lane sharing the install's app for a developer-token quota, only the account for an account quota", async () => {
    google.resources.set("customers/43/adGroups/1", "0");
    const setOther = (signal: AbortSignal) =>
      ads.setAmount(
        { account: "43", target: { kind: "ad_group_cpc", adGroupId: "1" }, amountMicros: 5 },
        signal,
      );
    for (const rateScope of ["ACCOUNT", "DEVELOPER"] as const) {
      google.requests.length = 0;
      const clock = new VirtualClock(Date.UTC(2026, 11, 6));
      // Two tenants' lanes: their own credentials' pauses, the install's app pause shared.
      const app: PlatformPause = { until: 0 };
      const a = new PlatformLane("google_ads", "42", clock, FAST, { until: 0 }, app);
      const b = new PlatformLane("google_ads", "43", clock, FAST, { until: 0 }, app);
      google.faults.push({ kind: "quota", retryDelay: "20s", rateScope });
      const first = a.run(setBid(), { idempotent: true });
      await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1), { timeout: 5_000 });
      const other = b.run(setOther, { idempotent: true });
      if (rateScope === "ACCOUNT") {
        await other;
        expect(google.requests).toHaveLength(2);
      } else {
        await vi.waitFor(() => expect(clock.pendingTimers()).toBe(2), { timeout: 5_000 });
        expect(google.requests).toHaveLength(1);
        expect(b.snapshot().pausedUntil).toBe(clock.now() + 20_000);
      }
      clock.advanceTo(clock.now() + 20_000);
      await Promise.all([first, other]);
      expect(google.requests).toHaveLength(3);
    }
  });
});
