import type { ApiModuleContext } from "@kamiyo/api";
import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { type Clock, SystemClock, VirtualClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { auditRecordPages } from "../audit/read-records.ts";
import { verifyAuditChain } from "../audit/verify.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { CampaignBidGate } from "../testing/campaign-bid-gate.ts";
import { type LocalGoogleAds, startLocalGoogleAds } from "../testing/local-google-ads.ts";
import {
  type LocalAdSet,
  type LocalGraphApi,
  startLocalGraphApi,
} from "../testing/local-graph-api.ts";
import type { BidRequest } from "./bid-gate.ts";
import { Bidder, QUEUE_FULL } from "./bidder.ts";
import { GoogleAdsRestClient } from "./google-ads/google-ads-client.ts";
import { googleAdsPlatform } from "./google-ads/google-ads-platform.ts";
import { metaPlatform } from "./meta/meta-platform.ts";
import { registerSyncflowMetrics } from "./metrics.ts";
import { samePlatforms } from "./platform.ts";
import { CIRCUIT_OPEN, type LaneOptions } from "./platform-lane.ts";

const FAST: Partial<LaneOptions> = {
  timeoutMs: 2_000, // generous: a loaded CI machine must not time out a loopback call
  retries: 1,
  backoffInitialMs: 1,
  backoffMaxMs: 2,
  breakerFailures: 2,
  callsPerMinute: 6_000,
  burst: 100,
};
let db: Db;
let h: Harness;
let addGauge: ApiModuleContext["gauge"] | undefined;
let google: LocalGoogleAds;
let graph: LocalGraphApi;
let tenants = 0;
let gate: CampaignBidGate;
let bidder: Bidder;

async function newTenant(): Promise<string> {
  const id = `ten_flow_${++tenants}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  return id;
}

async function records(tenantId: string) {
  const all = [];
  for await (const page of auditRecordPages(db, tenantId)) all.push(...page);
  return all;
}

const googleBid = (campaignId: string, amountMicros = 2_500_000, adGroupId = "11"): BidRequest => ({
  clientId: "cli_acme",
  campaignId,
  platform: "google_ads",
  account: "5550001111",
  target: { kind: "ad_group_cpc", adGroupId },
  amountMicros,
});
const metaBid = (campaignId: string, amountMicros = 1_230_000): BidRequest => ({
  clientId: "cli_acme",
  campaignId,
  platform: "meta",
  account: "act_300",
  target: { kind: "ad_set_bid", adSetId: "7001" },
  amountMicros,
});

function newBidder(
  opts: { queueCapacity?: number; clock?: Clock; lane?: Partial<LaneOptions> } = {},
): Bidder {
  const lane = opts.lane ?? FAST;
  return new Bidder({
    db,
    gate,
    clock: opts.clock ?? new SystemClock(),
    platforms: samePlatforms({
      google_ads: googleAdsPlatform(
        new GoogleAdsRestClient({
          baseUrl: google.url,
          developerToken: "dev-flow",
          accessToken: () => "ya29.flow",
        }),
      ),
      meta: metaPlatform({ accessToken: "EAAB-flow", graphUrl: graph.url }),
    }),
    lanes: { google_ads: lane, meta: lane },
    ...(opts.queueCapacity ? { queueCapacity: opts.queueCapacity } : {}),
  });
}

beforeAll(async () => {
  // The API (its /metrics) on the test database, with a module that hands over its gauge seam.
  h = await apiHarness({
    seeded: false,
    migrations: [shieldMigrations],
    modules: [
      {
        id: "syncflow_test",
        product: "shield",
        tags: [],
        routes: (_app, ctx) => {
          addGauge = ctx.gauge;
        },
      },
    ],
  });
  db = h.db;
  google = await startLocalGoogleAds({ accessToken: "ya29.flow", developerToken: "dev-flow" });
  graph = await startLocalGraphApi({ accessToken: "EAAB-flow" });
  graph.accounts.set("act_300", "EUR");
});
afterAll(async () => {
  await google.close();
  await graph.close();
  await h.close();
});
beforeEach(() => {
  for (const s of [google, graph]) {
    s.requests.length = 0;
    s.faults.length = 0;
  }
  google.resources.set("customers/5550001111/adGroups/11", "0");
  graph.adSets.set("7001", { account: "act_300", spend: "0" });
  gate = new CampaignBidGate();
  bidder = newBidder();
});
afterEach(() => bidder.close());

describe("the bidder", () => {
  it("sends an allowed bid, then records it in the tenant's audit trail; a denied bid is never sent", async () => {
    const tenant = await newTenant();
    gate.deny("cmp_over_budget", "campaign budget for the day is spent");
    const denied = await bidder.submit(tenant, googleBid("cmp_over_budget", 9_000_000));
    expect(denied).toEqual({
      status: "denied",
      decisionId: "dec_1",
      reasons: ["campaign budget for the day is spent"],
    });
    expect(google.requests).toHaveLength(0);
    expect(google.resources.get("customers/5550001111/adGroups/11")).toBe("0");
    expect(await records(tenant)).toEqual([]);

    const sent = await bidder.submit(tenant, googleBid("cmp_ok"));
    expect(sent).toEqual({
      status: "sent",
      decisionId: "dec_2",
      externalId: "customers/5550001111/adGroups/11",
      auditSeq: 1,
    });
    expect(google.resources.get("customers/5550001111/adGroups/11")).toBe("2500000");
    const [record, ...rest] = await records(tenant);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      seq: 1,
      kind: "bid",
      body: {
        decisionId: "dec_2",
        clientId: "cli_acme",
        campaignId: "cmp_ok",
        platform: "google_ads",
        externalId: "customers/5550001111/adGroups/11",
        spendMicros: 2_500_000,
      },
    });
    expect((await verifyAuditChain(db, tenant)).ok).toBe(true);
  });

  it("records nothing when the platform refused or failed the bid, and gives back a refused bid's reservation", async () => {
    const tenant = await newTenant();
    await expect(bidder.submit(tenant, googleBid("cmp_a", 1_000_000, "404"))).rejects.toMatchObject(
      {
        kind: "rejected",
        code: "mutateError: RESOURCE_NOT_FOUND",
        reservation: "released",
      },
    );
    const refused = gate.checked.at(-1)?.verdict.decisionId;
    expect(gate.released).toEqual([{ tenantId: tenant, decisionId: refused, reason: "rejected" }]);
    // Two 503s: the platform may have applied it, so its reservation stays counted.
    google.faults.push({ kind: "unavailable" }, { kind: "unavailable" });
    await expect(bidder.submit(tenant, googleBid("cmp_a"))).rejects.toMatchObject({
      kind: "unavailable",
      reservation: "kept",
    });
    expect(gate.released).toHaveLength(1);
    await expect(bidder.submit(tenant, metaBid("cmp_b", 1_234_567))).rejects.toThrow(
      "not a whole number of EUR minor units",
    );
    expect(await records(tenant)).toEqual([]);
    expect(bidder.spendTotals()).toEqual({});
  });

  it("keeps bidding on one platform while the other's circuit is open", async () => {
    const tenant = await newTenant();
    google.faults.push(...Array.from({ length: 4 }, () => ({ kind: "unavailable" as const })));
    const results = await Promise.allSettled([
      bidder.submit(tenant, googleBid("cmp_g")),
      bidder.submit(tenant, metaBid("cmp_m", 1_230_000)),
      bidder.submit(tenant, googleBid("cmp_g")),
      bidder.submit(tenant, metaBid("cmp_m", 1_240_000)),
      bidder.submit(tenant, googleBid("cmp_g")),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "rejected",
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
    ]);
    // The first bid and its retry open the circuit (two failures); the next two are not sent.
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      kind: "unavailable",
      status: 503,
    });
    for (const i of [2, 4])
      expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: CIRCUIT_OPEN });
    expect(google.requests).toHaveLength(2);
    expect(graph.adSets.get("7001")?.bid_amount).toBe(124);
    const lanes = Object.fromEntries(bidder.lanes().map((l) => [l.platform, l]));
    expect(lanes.google_ads).toMatchObject({ account: "5550001111", state: "open" });
    expect(lanes.meta).toMatchObject({
      account: "act_300",
      state: "closed",
      counters: { successes: 2, failures: 0 },
    });
    const bids = await records(tenant);
    expect(bids.map((r) => (r.body as { platform: string }).platform)).toEqual(["meta", "meta"]);
    expect(bidder.spendTotals()).toEqual({ meta: 2_470_000 });
  });

  it("holds every tenant's Google Ads bids for the install's developer-token quota, one tenant's for its account's", async () => {
    for (const rateScope of ["ACCOUNT", "DEVELOPER"] as const) {
      const clock = new VirtualClock(Date.UTC(2026, 11, 7));
      const flow = newBidder({ clock, lane: { ...FAST, maxInlineWaitMs: 1_000 } });
      try {
        const [a, b] = [await newTenant(), await newTenant()];
        google.requests.length = 0;
        google.faults.push({ kind: "quota", retryDelay: "120s", rateScope });
        await expect(flow.submit(a, googleBid("cmp_a"))).rejects.toMatchObject({
          kind: "rate_limited",
          retryAfterMs: 120_000,
          limitScope: rateScope === "DEVELOPER" ? "app" : "account",
        });
        const other = flow.submit(b, googleBid("cmp_b"));
        if (rateScope === "ACCOUNT") {
          // Tenant A's account quota is A's: B's bid on the same account goes out at once.
          await other;
          expect(google.requests).toHaveLength(2);
          continue;
        }
        // The developer token is the install's: B's bid waits out the quota too.
        await vi.waitFor(() => expect(clock.pendingTimers()).toBeGreaterThan(0), {
          timeout: 5_000,
        });
        expect(google.requests).toHaveLength(1);
        clock.advanceTo(clock.now() + 120_000);
        await expect(other).resolves.toMatchObject({ status: "sent" });
        expect(google.requests).toHaveLength(2);
      } finally {
        await flow.close();
      }
    }
  });

  it("refuses a bid when its account's queue is full, without sending it", async () => {
    const tenant = await newTenant();
    await bidder.close();
    bidder = newBidder({ queueCapacity: 1 });
    const release = Promise.withResolvers<void>();
    google.faults.push({ kind: "held", until: release.promise }); // the first bid is in flight
    const first = bidder.submit(tenant, googleBid("cmp_q", 1_000_000));
    await vi.waitFor(() => expect(google.requests).toHaveLength(1), { timeout: 5_000 });
    const second = bidder.submit(tenant, googleBid("cmp_q", 2_000_000));
    await expect(bidder.submit(tenant, googleBid("cmp_q", 3_000_000))).rejects.toMatchObject({
      code: QUEUE_FULL,
      reservation: "released",
    });
    expect(gate.released.at(-1)).toEqual({
      tenantId: tenant,
      decisionId: gate.checked.at(-1)?.verdict.decisionId,
      reason: "not_sent",
    });
    release.resolve();
    await first;
    await second;
    expect(
      google.requests.map(
        (r) =>
          (r.body as { operations: { update: { cpcBidMicros: string } }[] }).operations[0]?.update
            .cpcBidMicros,
      ),
    ).toEqual(["1000000", "2000000"]);
    expect(
      (await records(tenant)).map((r) => (r.body as { spendMicros: number }).spendMicros),
    ).toEqual([1_000_000, 2_000_000]);
  });

  it("refuses a bad amount or a platform the tenant has no credentials for before asking the gate", async () => {
    const tenant = await newTenant();
    await expect(bidder.submit(tenant, googleBid("cmp_x", -1))).rejects.toThrow(
      "amountMicros: expected whole micros ≥ 0, got -1",
    );
    const none = new Bidder({ db, gate, clock: new SystemClock(), platforms: samePlatforms({}) });
    await expect(none.submit(tenant, googleBid("cmp_x"))).rejects.toThrow(
      "this tenant has no google_ads credentials",
    );
    // Meta takes whole minor units of the account's currency: 1,234,567 micros is not whole cents.
    await expect(bidder.submit(tenant, metaBid("cmp_x", 1_234_567))).rejects.toThrow(
      "amountMicros: 1234567 micros is not a whole number of EUR minor units (10000 micros each)",
    );
    // A Google Ads target on Meta, refused by the platform's own rules, before the gate too.
    await expect(
      bidder.submit(tenant, {
        ...metaBid("cmp_x"),
        target: { kind: "ad_group_cpc", adGroupId: "1" },
      }),
    ).rejects.toThrow("target kind ad_group_cpc is not a Meta object");
    expect(gate.checked).toEqual([]);
  });

  it("reports its breakers, the micros its bids set, and budgets on /metrics under the seed's names", async () => {
    const tenant = await newTenant();
    google.faults.push({ kind: "unavailable" }, { kind: "unavailable" });
    await bidder.submit(tenant, googleBid("cmp_g")).catch(() => undefined);
    await bidder.submit(tenant, {
      ...metaBid("cmp_m"),
      target: { kind: "ad_set_daily_budget", adSetId: "7001" },
      amountMicros: 50_000_000,
    });
    await bidder.submit(tenant, metaBid("cmp_m", 1_230_000));
    graph.adSets.set("7001", { ...(graph.adSets.get("7001") as LocalAdSet), spend: "12.34" });
    await bidder.readSpend(tenant, "meta", {
      account: "act_300",
      objectId: "7001",
      since: "2026-12-06",
      until: "2026-12-06",
    });
    registerSyncflowMetrics(addGauge as ApiModuleContext["gauge"], bidder);
    const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    /** The value of the series of `name` with these labels, as /metrics shows it. */
    const value = (name: string, labels: Record<string, string>) => {
      const line = text
        .split("\n")
        .find(
          (l) =>
            l.startsWith(`${name}{`) &&
            Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
        );
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
    };
    expect(
      value("syncflow_circuit_breaker_state_count", { platform: "google_ads", state: "open" }),
    ).toBe(1);
    expect(
      value("syncflow_circuit_breaker_state_count", { platform: "google_ads", state: "closed" }),
    ).toBe(0);
    expect(
      value("syncflow_circuit_breaker_state_count", { platform: "meta", state: "closed" }),
    ).toBe(1);
    expect(value("syncflow_spend_total", { platform: "meta" })).toBe(51_230_000);
    expect(value("syncflow_spend_total", { platform: "google_ads" })).toBeUndefined();
    expect(value("syncflow_budget_limit_micros", { platform: "meta", object: "7001" })).toBe(
      50_000_000,
    );
    expect(value("syncflow_budget_spent_micros", { platform: "meta", object: "7001" })).toBe(
      12_340_000,
    );
  });
});
