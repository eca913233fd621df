import {
  apiHarness,
  expectAnyQueryHandled,
  type Harness,
  HLP,
  LIQ,
  NOW,
} from "@kamiyo/api/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monitorConfig } from "../pipeline/monitor-config.ts";
import { seedHyperliquid } from "../store/testing/seed.ts";
import { hyperliquidApi } from "./index.ts";

let h: Harness;
beforeAll(async () => {
  // Hundreds of requests a minute from one address: the rate limiter is not under test here.
  h = await apiHarness({
    modules: [hyperliquidApi],
    seed: seedHyperliquid,
    monitorConfig: monitorConfig.parse({}),
    config: { rateLimitPerIp: 1_000_000 },
  });
});
afterAll(async () => {
  await h.close();
});

const get = (url: string, route: string, status = 200) => h.get(url, route, status);

describe(`Hyperliquid monitor routes on ${testDbKind}`, () => {
  it("GET /security/hlp-vault computes PnL windows from the stored portfolio, and lists liquidator positions", async () => {
    const body = await get("/security/hlp-vault", "/security/hlp-vault");
    expect(body.parent).toMatchObject({ vault: HLP, role: "parent" });
    expect(body.parent.pnlUsd["1h"]).toBe(-4_000_000);
    expect(body.parent.pnlUsd["24h"]).toBe(-4_000_000);
    expect(body.parent.accountValueUsd).toBe(456e6);
    expect(body.liquidatorPositions).toEqual([
      {
        vault: LIQ,
        vaultName: "HLP Liquidator",
        coin: "ETH",
        side: "long",
        size: 160_234,
        entryPx: 1915,
        positionValueUsd: 3.05e8,
        unrealizedPnlUsd: -1e6,
        liquidationPx: null,
      },
    ]);
    expect(body.openFindings.length).toBeGreaterThan(0);
    expect(body.openFindings.every((f: { detector: string }) => f.detector === "hlp")).toBe(true);
  });

  it("GET /security/hlp-vault/history buckets the parent's history and validates its range", async () => {
    const body = await get(
      `/security/hlp-vault/history?since=${NOW - 3_600_000}&until=${NOW + 1}&interval=600000`,
      "/security/hlp-vault/history",
    );
    expect(body.vault).toBe(HLP);
    expect(body.intervalMs).toBe(600_000);
    expect(body.points.length).toBeGreaterThanOrEqual(6);
    expect(body.points.length).toBeLessThanOrEqual(7);
    const bad = await get(
      "/security/hlp-vault/history?interval=5",
      "/security/hlp-vault/history",
      400,
    );
    expect(bad.error.message).toContain('"interval"');
    const vault = await get(
      "/security/hlp-vault/history?vault=0xnope",
      "/security/hlp-vault/history",
      400,
    );
    expect(vault.error.message).toContain('"vault"');
  });

  it("GET /security/oracle-deviations lists active findings and the latest deviation of each perp", async () => {
    const body = await get(
      "/security/oracle-deviations?min_pct=0.5",
      "/security/oracle-deviations",
    );
    expect(body.current.map((d: { coin: string }) => d.coin)).toEqual(["SOL"]);
    // Oracle 125.73 vs Binance 127.1 is the widest pair (mark vs oracle is 1.0101 %).
    expect(body.current[0]).toMatchObject({ pair: "oracle/binance" });
    expect(body.current[0].deviationPct).toBeCloseTo(1.0779, 3);
    expect(body.active.length).toBeGreaterThan(0);
    expect(
      body.active.every(
        (f: { detector: string; status: string }) => f.detector === "oracle" && f.status === "open",
      ),
    ).toBe(true);
    const all = await get("/security/oracle-deviations", "/security/oracle-deviations");
    expect(all.current).toHaveLength(3);
  });

  it("GET /security/oracle-deviations/history needs a coin and returns its samples", async () => {
    const body = await get(
      `/security/oracle-deviations/history?coin=ETH&since=${NOW - 600_000}&until=${NOW + 1}`,
      "/security/oracle-deviations/history",
    );
    expect(body.samples).toHaveLength(11);
    expect(body.samples[0]).toMatchObject({ coin: "ETH", markPx: 1915, binancePx: 1915.5 });
    const missing = await get(
      "/security/oracle-deviations/history",
      "/security/oracle-deviations/history",
      400,
    );
    expect(missing.error.message).toContain('"coin"');
  });

  it("GET /security/liquidation-patterns totals by coin and method over a window", async () => {
    const body = await get(
      "/security/liquidation-patterns?window=5m&limit=5",
      "/security/liquidation-patterns",
    );
    const eth = body.totals.find(
      (t: { coin: string; method: string }) => t.coin === "ETH" && t.method === "backstop",
    );
    expect(eth).toMatchObject({ count: 6, longs: 6, shorts: 0 });
    expect(body.recent).toHaveLength(5);
    expect(body.recent[0].method).toBe("adl");
    expect(body.patterns.length).toBeGreaterThan(0);
    expect(body.patterns.every((f: { detector: string }) => f.detector === "liquidations")).toBe(
      true,
    );
    const bad = await get(
      "/security/liquidation-patterns?window=1y",
      "/security/liquidation-patterns",
      400,
    );
    expect(bad.error.message).toContain('"window"');
  });

  it("GET /security/dashboard scores open findings per detector and the data freshness", async () => {
    const body = await get("/security/dashboard", "/security/dashboard");
    expect(body.level).toBe("critical");
    expect(body.score).toBe(100);
    const names = body.components.map((c: { name: string }) => c.name);
    expect(names).toEqual([
      "hlp",
      "oracle",
      "liquidations",
      "manipulation",
      "ml",
      "correlation",
      "data",
    ]);
    const hlp = body.components.find((c: { name: string }) => c.name === "hlp");
    expect(hlp.bySeverity.critical).toBeGreaterThan(0);
    // The open-source edition has no correlator, and says so.
    expect(body.components.find((c: { name: string }) => c.name === "correlation")).toMatchObject({
      score: 0,
      note: "cross-protocol correlation is not in the open_source edition",
    });
    expect(body.components.find((c: { name: string }) => c.name === "data")).toMatchObject({
      score: 0,
      level: "none",
    });
    expect(body.openFindings).toBeGreaterThan(0);
  });

  it("adds liquidations and monitored perps to /stats, what it watches to /meta, and its data lag to /ready", async () => {
    const stats = await get("/stats?days=7", "/stats");
    expect(stats.findings.total).toBe(122);
    expect(stats.liquidations).toMatchObject({ count: 12 });
    expect(stats.monitoredAssets).toBe(3);
    const meta = await get("/meta", "/meta");
    expect(meta.monitoredAssets.sort()).toEqual(["BTC", "ETH", "SOL"]);
    expect(meta.hlpFamily).toEqual([{ vault: HLP, name: "HLP", role: "parent" }]);
    expect(await get("/ready", "/ready")).toMatchObject({
      ready: true,
      dataLagS: 0,
      lagging: false,
    });
  });

  it("GET /ml/status says whether a model is trained", async () => {
    expect((await get("/ml/status", "/ml/status")).available).toBe(false);
  });

  it("refuses numbers that are not plain decimals with a 400 naming the parameter", async () => {
    for (const [url, param] of [
      ["/security/oracle-deviations?min_pct=", "min_pct"],
      ["/security/oracle-deviations?min_pct=.5", "min_pct"],
      [`/security/hlp-vault/history?vault=${"0x".padEnd(42, "a")}&interval=6e4`, "interval"],
      ["/ml/forecast?series=anomaly_score&hours=1e1", "hours"],
    ]) {
      const res = await h.app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.message, url).toMatch(
        new RegExp(`^query parameter "${param}": expected `),
      );
    }
    expect(
      (await h.app.inject({ method: "GET", url: "/security/oracle-deviations?min_pct=0.3" }))
        .statusCode,
    ).toBe(200);
  });
});

/** Each GET route of the module with the query parameters it documents. */
const ROUTES: Record<string, string[]> = {
  "/security/hlp-vault/history": ["vault", "since", "until", "interval", "limit"],
  "/security/oracle-deviations": ["min_pct", "limit"],
  "/security/oracle-deviations/history": ["coin", "since", "until", "limit"],
  "/security/liquidation-patterns": ["window", "limit"],
  "/security/hlp-vault": [],
  "/ml/status": [],
};

describe("no query can make the Hyperliquid routes fail", () => {
  for (const [route, params] of Object.entries(ROUTES)) {
    it(`GET ${route} answers 200 or a 400 envelope for any query, matching its schema`, async () => {
      await expectAnyQueryHandled(h, route, params);
    });
  }
});
