import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditRecordPages } from "../audit/read-records.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import { shieldApi } from "./index.ts";

const oauth = {
  clientId: "cid.apps.googleusercontent.com",
  clientSecret: "s",
  refreshToken: "1//r",
};
const AD_GROUP = "customers/5550001111/adGroups/11";
let h: Harness;
let google: LocalGoogleAds;

const send = (method: "POST" | "PUT", url: string, payload: object) =>
  h.app.inject({ method, url, payload: payload as Record<string, unknown> });
const bid = (amountMicros: number, extra: object = {}) =>
  send("POST", "/shield/bids", {
    clientId: "acme",
    campaignId: "search",
    platform: "google_ads",
    account: "5550001111",
    target: { kind: "ad_group_cpc", adGroupId: "11" },
    amountMicros,
    predictedLtvMicros: 50_000_000,
    ...extra,
  });
const metric = async (line: string) => {
  const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
  const found = text.split("\n").find((l) => l.startsWith(line));
  return found === undefined ? undefined : Number(found.split(" ").at(-1));
};

beforeAll(async () => {
  google = await startLocalGoogleAds({
    accessToken: "unused",
    developerToken: "dev-k",
    oauth,
  });
  google.resources.set(AD_GROUP, "0");
  h = await apiHarness({
    seeded: false,
    modules: [shieldApi],
    migrations: [shieldMigrations],
    moduleSettings: {
      shield: {
        googleAdsApiUrl: google.url,
        googleAdsDeveloperToken: "dev-k",
        googleAdsClientId: oauth.clientId,
        googleAdsClientSecret: oauth.clientSecret,
        googleAdsRefreshToken: oauth.refreshToken,
        googleOAuthTokenUrl: `${google.url}/token`,
        syncflowTimeoutMs: 5_000,
      },
    },
  });
  // No keys yet: the default tenant's owner (the zero-config start) sets the policy up.
  for (const [method, url, body] of [
    ["PUT", "/shield/policy", { roasFloor: { minRoasBps: 30_000 } }],
    ["POST", "/shield/clients", { id: "acme", name: "Acme" }],
    [
      "POST",
      "/shield/campaigns",
      { id: "search", clientId: "acme", name: "Search", budgetMicros: 10_000_000, period: "month" },
    ],
  ] as const) {
    const res = await send(method, url, body);
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(async () => {
  await h?.close();
  await google?.close();
});

describe(`bids through SyncFlow from the API (${testDbKind})`, () => {
  it("sends an allowed bid to the platform and records it; a denied one never leaves", async () => {
    const sent = await bid(4_000_000);
    expect(sent.statusCode, sent.body).toBe(200);
    h.expectValid("POST", "/shield/bids", 200, sent.json());
    expect(sent.json()).toMatchObject({ status: "sent", externalId: AD_GROUP });
    expect(google.resources.get(AD_GROUP)).toBe("4000000");
    const calls = google.requests.filter((r) => r.path.endsWith(":mutate")).length;

    // Past the budget (4 + 7 > 10) and below the ROAS floor (50 / 20 < 3): denied, not sent.
    for (const [amount, code] of [
      [7_000_000, "budget"],
      [20_000_000, "ROAS"],
    ] as const) {
      const denied = await bid(amount);
      expect(denied.json()).toMatchObject({ status: "denied" });
      expect(denied.json().reasons.join(" ")).toMatch(new RegExp(code, "i"));
    }
    expect(google.requests.filter((r) => r.path.endsWith(":mutate")).length).toBe(calls);
    expect(google.resources.get(AD_GROUP)).toBe("4000000");

    // The trail: the three decisions, and the one bid sent, naming its decision.
    const records = [];
    for await (const page of auditRecordPages(h.db, h.deps.tenantId)) records.push(...page);
    expect(records.map((r) => r.kind)).toEqual(["decision", "bid", "decision", "decision"]);
    expect(records[1]?.body).toMatchObject({
      decisionId: sent.json().decisionId,
      platform: "google_ads",
      spendMicros: 4_000_000,
    });
    // The Command Center's figures.
    expect(await metric('syncflow_spend_total{platform="google_ads",unit="micros"}')).toBe(
      4_000_000,
    );
    expect(
      await metric('syncflow_circuit_breaker_state_count{platform="google_ads",state="closed"}'),
    ).toBe(1);
  });

  // Before the rate-limit test below: its 120 s pause would hold this account's lane.
  it("does not send a bid that waited in its account's queue while its campaign's kill switch was turned on", async () => {
    const spent = async () =>
      (await h.get("/shield/campaigns/search", "/shield/campaigns/{id}")).spentMicros as number;
    const before = await spent();
    let letGo = () => {};
    google.faults.push({ kind: "held", until: new Promise<void>((r) => (letGo = r)) });
    const mutates = () => google.requests.filter((r) => r.path.endsWith(":mutate")).length;
    const calls = mutates();
    // The first bid is at the platform, held; the second is allowed and waits behind it.
    const first = bid(1_000_000);
    await expect.poll(mutates).toBe(calls + 1);
    const second = bid(2_000_000);
    await expect.poll(spent).toBe(before + 3_000_000);
    const kill = await send("PUT", "/shield/campaigns/search/kill-switch", {
      on: true,
      reason: "CPA spiking",
    });
    expect(kill.statusCode, kill.body).toBe(200);
    letGo();
    expect((await first).json()).toMatchObject({ status: "sent" });
    const stopped = await second;
    expect([stopped.statusCode, stopped.json().error.message]).toEqual([
      409,
      "not sent: campaign search's kill switch was turned on (CPA spiking) after the bid was allowed; its reservation was given back",
    ]);
    // Nothing more reached the platform, and the campaign counts the first bid only.
    expect(mutates()).toBe(calls + 1);
    expect(await spent()).toBe(before + 1_000_000);
    const records = [];
    for await (const page of auditRecordPages(h.db, h.deps.tenantId)) records.push(...page);
    expect(records.at(-1)).toMatchObject({ kind: "release", body: { reason: "not_sent" } });
    await send("PUT", "/shield/campaigns/search/kill-switch", { on: false });
  });

  it("answers the platform's rate limit with 429 and Retry-After, and refuses a platform it has no credentials for", async () => {
    const before = (await h.get("/shield/campaigns/search", "/shield/campaigns/{id}")).spentMicros;
    google.faults.push({ kind: "quota", retryDelay: "120s" });
    const limited = await bid(1_000_000);
    expect(limited.statusCode, limited.body).toBe(429);
    expect(limited.headers["retry-after"]).toBe("120");
    expect(limited.json().error.message).toMatch(
      /^google_ads: .*; its reservation was given back$/,
    );
    // Given back: the campaign's spend is the sent bids' alone.
    const campaign = await h.get("/shield/campaigns/search", "/shield/campaigns/{id}");
    expect(campaign.spentMicros).toBe(before);
    const meta = await bid(1_000_000, {
      platform: "meta",
      account: "act_300",
      target: { kind: "ad_set_bid", adSetId: "7001" },
    });
    expect([meta.statusCode, meta.json().error.message]).toEqual([
      400,
      'body "platform": this tenant has no meta credentials: connect them with PUT /shield/platforms/meta/credentials (docs/shield.md, "Ad-platform credentials")',
    ]);
    const bad = await bid(1_000_000, { target: { kind: "ad_set_bid", adSetId: "x" } });
    expect(bad.json().error.message).toMatch(/^body "target/);
  });
});
