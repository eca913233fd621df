import { AppError, type Finding } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import type { LiquidationEvent } from "../../observations.ts";
import type { HistoryRecord } from "../../store/index.ts";
import { CrossProtocolCorrelator } from "./correlator.ts";
import { correlatorHarness, event, exploit, liquidation, MIN, T0 } from "./test-helpers.ts";

const W = 5 * MIN;
const cascadeChanges = (h: ReturnType<typeof correlatorHarness>) =>
  h.changes.filter((c) => c.finding.kind === "liquidation-cascade");

describe("liquidation cascade over time", () => {
  it("opens on the third liquidation past $1M with the window's members", () => {
    const h = correlatorHarness();
    const a = liquidation(T0, 400_000, { coin: "BTC" });
    const b = liquidation(T0 + MIN, 400_000, { coin: "ETH" });
    const c = liquidation(T0 + 2 * MIN, 400_000, { coin: "SOL" });
    h.observe(a);
    h.observe(b);
    expect(h.changes).toEqual([]);
    h.observe(c);
    expect(h.raised()).toEqual(["liquidation-cascade:hyperliquid:high"]);
    const f = h.open()[0] as Finding;
    expect(f).toMatchObject({ detector: "correlation", key: "2025-10-10T21:15:03.127Z" });
    expect(f.evidence).toMatchObject({
      pattern: "liquidation-cascade",
      members: [a.id, b.id, c.id],
      memberCount: 3,
      eventCount: 3,
      protocols: ["hyperliquid"],
      venues: ["hyperliquid"],
      chains: ["Hyperliquid"],
      assets: ["BTC", "ETH", "SOL"],
      totalUsd: 1_200_000,
      windowStart: T0,
      windowEnd: T0 + 2 * MIN,
      windowMs: W,
    });
    expect(f.title).toBe(
      "Liquidation cascade: 3 liquidations, $1.2M across 3 assets on hyperliquid in 2 min",
    );
  });

  it("correlates events exactly 5 min apart but not 5 min + 1 ms apart", () => {
    for (const [gap, expected] of [
      [W, 1],
      [W + 1, 0],
    ] as const) {
      const h = correlatorHarness();
      h.observe(liquidation(T0, 600_000));
      h.observe(liquidation(T0, 600_000));
      h.observe(liquidation(T0 + gap, 600_000));
      expect(cascadeChanges(h)).toHaveLength(expected);
    }
  });

  it("does not open for 2 liquidations or for $999k", () => {
    const two = correlatorHarness();
    two.observe(liquidation(T0, 5e6));
    two.observe(liquidation(T0 + 1, 5e6));
    expect(two.changes).toEqual([]);
    const small = correlatorHarness();
    for (const usd of [400_000, 300_000, 299_000]) small.observe(liquidation(T0, usd));
    expect(small.changes).toEqual([]);
  });

  it("updates one finding as the cascade grows, escalating past $10M", () => {
    const h = correlatorHarness();
    for (let i = 0; i < 3; i++) h.observe(liquidation(T0 + i * 1000, 500_000));
    const id = h.changes[0]?.finding.id;
    h.observe(liquidation(T0 + 4 * MIN, 2_000_000));
    h.observe(liquidation(T0 + 8 * MIN, 9_000_000)); // 4 min after the last member: still the same episode
    const changes = cascadeChanges(h);
    expect(changes.map((c) => c.change)).toEqual(["opened", "updated", "escalated"]);
    expect(new Set(changes.map((c) => c.finding.id))).toEqual(new Set([id]));
    expect(h.open()[0]?.evidence).toMatchObject({
      memberCount: 5,
      totalUsd: 12_500_000,
      windowStart: T0,
      windowEnd: T0 + 8 * MIN,
    });
    expect(h.open()[0]?.severity).toBe("critical");
  });

  it("resolves once the window and the lateness allowance pass with no new member", () => {
    const h = correlatorHarness();
    for (let i = 0; i < 3; i++) h.observe(liquidation(T0 + i, 500_000));
    const last = T0 + 2;
    h.tick(last + W + 60_000);
    expect(h.open()).toHaveLength(1);
    h.tick(last + W + 60_001);
    expect(h.open()).toHaveLength(0);
    const resolved = h.changes.at(-1);
    expect(resolved?.change).toBe("resolved");
    expect(resolved?.finding.evidence.resolution).toBe("no new member within 5 min");
    // A later cascade is a new episode: a new finding.
    const t = last + W + 120_000;
    for (let i = 0; i < 3; i++) h.observe(liquidation(t + i, 500_000));
    const ids = new Set(cascadeChanges(h).map((c) => c.finding.id));
    expect(ids.size).toBe(2);
  });

  it("places an out-of-order event within the lateness allowance, drops one beyond it", () => {
    const h = correlatorHarness();
    h.observe(liquidation(T0, 400_000));
    h.observe(liquidation(T0 + MIN, 400_000));
    // Arrives 31 s after its data time, behind a newer event: still in the window.
    const late = liquidation(T0 + 30_000, 400_000);
    expect(h.observe(late, T0 + MIN + 1_000)).toBe("accepted");
    expect(h.open()[0]?.evidence.members).toEqual([
      expect.any(String),
      late.id,
      expect.any(String),
    ]);
    const g = correlatorHarness();
    g.observe(liquidation(T0, 400_000));
    g.observe(liquidation(T0 + MIN, 400_000));
    expect(g.observe(liquidation(T0 + 30_000, 400_000), T0 + 30_000 + 60_001)).toBe("stale");
    expect(g.changes).toEqual([]);
    expect(g.correlator.stats()).toMatchObject({ stale: 1, accepted: 2 });
  });

  it("finds the one window a late event completes, even when it is neither the first nor the last", () => {
    const h = correlatorHarness({ latenessMs: 5 * MIN });
    const a = liquidation(T0, 600_000);
    const b = liquidation(T0 + 4 * MIN, 300_000);
    const c = liquidation(T0 + 5.5 * MIN, 1);
    h.observe(a);
    h.observe(b);
    h.observe(c);
    // Late by 3.6 min. The window ending at it holds A and D only; the one ending at C holds
    // D, B and C ($500k); the one ending at B holds A, D, B: $1.1M. C then chains on.
    const d = liquidation(T0 + 2 * MIN, 200_000);
    h.observe(d, T0 + 5.6 * MIN);
    expect(h.open()[0]?.evidence).toMatchObject({
      members: [a.id, d.id, b.id, c.id],
      totalUsd: 1_100_001,
      windowStart: T0,
      windowEnd: T0 + 5.5 * MIN,
    });
  });

  it("keeps at most maxEpisodeMembers members, counting the rest as omitted", () => {
    const h = correlatorHarness({ maxEpisodeMembers: 100 });
    for (let i = 0; i < 150; i++) h.observe(liquidation(T0 + i * 1_000, 400_000));
    h.tick(T0 + 150_000);
    expect(h.open()[0]?.evidence).toMatchObject({
      memberCount: 100,
      membersOmitted: 50,
      totalUsd: 40_000_000,
      windowEnd: T0 + 149_000,
    });
  });

  it("re-raises a growing correlation at most once a second, the tick raising the rest", () => {
    const h = correlatorHarness();
    for (let i = 0; i < 50; i++) h.observe(liquidation(T0 + i * 10, 100_000));
    // Opened at the 11th ($1.1M, clock T0 + 100 ms); then at most one raise per second.
    expect(cascadeChanges(h)).toHaveLength(1);
    h.tick(T0 + 1_099);
    expect(cascadeChanges(h)).toHaveLength(1);
    h.tick(T0 + 1_100);
    expect(cascadeChanges(h)).toHaveLength(2);
    expect(h.open()[0]?.evidence).toMatchObject({ memberCount: 50, totalUsd: 5_000_000 });
  });
});

describe("inputs", () => {
  const deviation: Finding = {
    id: "fnd_0mglcig07c50c38fe4ad8",
    tenantId: "ten_default",
    detector: "oracle",
    kind: "deviation",
    subject: { type: "asset", id: "ETH" },
    key: "",
    severity: "high",
    status: "open",
    title: "ETH mark is 0.75% above Binance for 40 s",
    evidence: {
      pair: "mark/binance",
      bandPct: 0.5,
      markPx: 4030,
      oraclePx: 4002,
      binancePx: 4000,
      coinbaseUsdPx: 4001,
      usdtUsd: 1.0002,
      hyperp: false,
    },
    firstDataAt: T0 + 30_000,
    dataAt: T0 + 40_000,
    detectedAt: T0 + 30_000,
    updatedAt: T0 + 40_000,
    resolvedAt: null,
    occurrences: 3,
  };
  const move: Finding = {
    ...deviation,
    id: "fnd_move",
    detector: "manipulation",
    kind: "price-move",
    title: "ETH mark up 3.10% within 5 min",
    evidence: { movePct: 3.1, markPx: 4030, windowLowPx: 3909, windowHighPx: 4030 },
    firstDataAt: T0 + 50_000,
    dataAt: T0 + 50_000,
  };

  it("raises an oracle arbitrage on ETH from the monitor's finding changes", () => {
    const h = correlatorHarness();
    h.correlator.finding({ change: "opened", finding: deviation }, h.out);
    expect(h.changes).toEqual([]);
    h.correlator.finding({ change: "opened", finding: move }, h.out);
    expect(h.raised()).toEqual(["oracle-arbitrage:ETH:high"]);
    expect(h.open()[0]?.evidence).toMatchObject({
      members: [deviation.id, move.id],
      comparisons: ["binance~hyperliquid", "coinbase~hyperliquid"],
      venues: ["binance", "coinbase", "hyperliquid"],
    });
  });

  it("ignores its own findings and resolutions", () => {
    const h = correlatorHarness();
    const own = { ...deviation, detector: "correlation", kind: "oracle-arbitrage" };
    expect(h.correlator.finding({ change: "opened", finding: own }, h.out)).toBe("ignored");
    expect(h.observe(event({ detector: "correlation" }))).toBe("ignored");
    const resolved = { ...deviation, status: "resolved" as const };
    expect(h.correlator.finding({ change: "resolved", finding: resolved }, h.out)).toBe("ignored");
    expect(h.correlator.stats()).toMatchObject({ ignored: 3, accepted: 0, buffered: 0 });
  });

  it("treats an updated finding as one member, keeping its largest count", () => {
    const h = correlatorHarness();
    const v1 = event({ id: "fnd_cascade", aggregate: true, count: 5, usd: 900_000 });
    h.observe(v1);
    expect(h.changes).toEqual([]);
    h.observe({ ...v1, time: T0 + 1_000, count: 7, usd: 1_400_000 });
    h.observe({ ...v1, time: T0 + 2_000, count: 6, usd: 1_300_000 });
    h.tick(T0 + 2_000);
    expect(h.open()[0]?.evidence).toMatchObject({
      members: ["fnd_cascade"],
      eventCount: 7,
      totalUsd: 1_400_000,
    });
  });

  it("raises a flash-loan cascade from timed incidents on two protocols, not one", () => {
    const h = correlatorHarness();
    const harvest = {
      id: "exp_20201026_harvestfinance",
      protocol: "Harvest Finance",
      date: "2025-10-10",
      chains: ["Ethereum"],
      classification: "Flashloan / Price Manipulation",
      technique: null,
      lossUsd: 24_000_000,
      references: [{ source: "defi-hack-chronicle", firstSeenAt: null }],
    };
    expect(h.correlator.incident(harvest, h.out)).toBe("ignored"); // day only
    h.correlator.incident(harvest, h.out, { occurredAt: T0 });
    h.correlator.incident({ ...harvest, id: "exp_2", lossUsd: 1e6 }, h.out, { occurredAt: T0 + 1 });
    expect(h.changes).toEqual([]);
    const other = { ...harvest, id: "exp_3", protocol: "Cheese Bank", lossUsd: 3_300_000 };
    h.correlator.incident(other, h.out, { occurredAt: T0 + 2 * MIN });
    expect(h.raised()).toEqual(["flash-loan-cascade:cheese-bank+harvest-finance:critical"]);
  });

  it("counts stored liquidation rows exactly and ignores the other rows", () => {
    const h = correlatorHarness();
    const row = (i: number, coin: string): LiquidationEvent => ({
      id: `${coin}:${i}`,
      time: T0 + i * 1_000,
      coin,
      method: "market",
      liquidatedSide: "long",
      px: 100,
      sz: 4_000,
      notionalUsd: 400_000,
      liquidatedUser: null,
      counterparty: null,
    });
    const market: HistoryRecord = {
      type: "vaultPnl",
      row: { vault: "0x1", time: T0, accountValue: 1, cumulativePnl: 0 },
    };
    expect(h.correlator.record(market, h.out)).toBeNull();
    for (const [i, coin] of ["BTC", "ETH", "SOL"].entries())
      h.correlator.record({ type: "liquidation", row: row(i, coin) }, h.out);
    expect(h.raised()).toEqual(["liquidation-cascade:hyperliquid:high"]);
    expect(h.open()[0]?.evidence).toMatchObject({ eventCount: 3, totalUsd: 1_200_000 });
  });

  it("feeds a queued incident on the first tick at or after its attack time", () => {
    const h = correlatorHarness();
    const incident = {
      id: "exp_20251010_a",
      protocol: "A Finance",
      date: "2025-10-10",
      chains: ["Ethereum"],
      classification: "Flashloan",
      technique: null,
      lossUsd: 2e6,
      occurredAt: new Date(T0 + 30_000).toISOString(),
      references: [{ source: "defi-hack-chronicle", firstSeenAt: null }],
    };
    expect(h.correlator.queueIncident(incident)).toBe("queued");
    expect(h.correlator.queueIncident({ ...incident, id: "b", occurredAt: null })).toBe("ignored");
    h.tick(T0 + 29_000);
    expect(h.correlator.stats()).toMatchObject({ accepted: 0, queuedIncidents: 1 });
    h.tick(T0 + 30_000);
    expect(h.correlator.stats()).toMatchObject({ accepted: 1, queuedIncidents: 0 });
  });

  it("raises a bridge exploit chain when another chain is hit after the bridge", () => {
    const h = correlatorHarness();
    h.observe(exploit(T0, "nomad-bridge", ["Ethereum"], ["bridge"], 190e6));
    h.observe(exploit(T0 + 30_000, "nomad-bridge", ["Ethereum"], ["bridge"], 1e6));
    expect(h.changes).toEqual([]);
    h.observe(exploit(T0 + 3 * MIN, "moonbeam-dex", ["Moonbeam"], []));
    expect(h.raised()).toEqual(["bridge-exploit-chain:nomad-bridge:critical"]);
    expect(h.open()[0]?.evidence).toMatchObject({
      chains: ["Ethereum", "Moonbeam"],
      memberCount: 3,
    });
  });

  it("is critical across 3 protocols whatever the amount", () => {
    const h = correlatorHarness();
    for (const p of ["hyperliquid", "gmx", "dydx"]) h.observe(liquidation(T0, 400_000, {}, p));
    expect(h.raised()).toEqual(["liquidation-cascade:dydx+gmx+hyperliquid:critical"]);
  });

  it("rejects a malformed event and an invalid config with clear errors", () => {
    const h = correlatorHarness();
    expect(() => h.observe(event({ id: "bad", time: Number.NaN }), T0)).toThrow(
      /correlation event "bad": time NaN is not a finite epoch ms/,
    );
    expect(() => h.observe(event({ id: "neg", usd: -1 }))).toThrow(AppError);
    expect(
      () =>
        new CrossProtocolCorrelator({ windowMs: 60_000, latenessMs: 120_000 }, { now: () => 0 }),
    ).toThrow(/correlator config: latenessMs: latenessMs must not exceed windowMs/);
  });

  it("is deterministic: the same events in the same order give the same findings", () => {
    const run = () => {
      const h = correlatorHarness();
      let t = T0;
      for (let i = 0; i < 40; i++) {
        t += (i * 7919) % 20_000;
        h.observe(liquidation(t, 50_000 + ((i * 104_729) % 400_000), { id: `X:${i}` }));
        if (i % 5 === 0) h.tick(t);
      }
      h.tick(t + 10 * MIN);
      return h.changes.map((c) => ({ ...c.finding, evidence: { ...c.finding.evidence } }));
    };
    const first = run();
    expect(first.length).toBeGreaterThan(1);
    expect(run()).toEqual(first);
  });
});
