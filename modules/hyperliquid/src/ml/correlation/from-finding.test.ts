import type { Finding } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { deviatingVenues, fromFinding } from "./from-finding.ts";

/**
 * Findings exactly as the monitor's detectors raised them (run through @kamiyo/testing's
 * detectorHarness: six BTC backstop fills 2 s apart from 21:15:03 UTC, an ETH mark 0.75 % over
 * Binance for 40 s, an ETH mark up 10 % in 5 min).
 */
const base = {
  tenantId: "ten_default",
  key: "",
  status: "open",
  resolvedAt: null,
} as const;

const large: Finding = {
  ...base,
  id: "fnd_0mglchsuvcc9fad4e6690",
  detector: "liquidations",
  kind: "large-liquidation",
  subject: { type: "asset", id: "BTC" },
  key: "BTC:100",
  severity: "high",
  title: "Backstop liquidation of $2.2M BTC long (20 at 112,000)",
  evidence: {
    method: "backstop",
    liquidatedSide: "long",
    px: 112000,
    size: 20,
    notionalUsd: 2240000,
    liquidatedUser: "0xf3f496c9486be5924a93d67e98298733bb47057c",
    counterparty: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
    tradeId: "BTC:100",
  },
  firstDataAt: 1760130903127,
  dataAt: 1760130903127,
  detectedAt: 1760130903127,
  updatedAt: 1760130903127,
  occurrences: 1,
};

const cascade: Finding = {
  ...base,
  id: "fnd_0mglchz1332938f55bbe3",
  detector: "liquidations",
  kind: "cascade",
  subject: { type: "asset", id: "BTC" },
  severity: "high",
  title: "Liquidation cascade on BTC: 6 liquidations, $3.9M in 5 min",
  evidence: {
    longsLiquidated: 6,
    shortsLiquidated: 0,
    count: 6,
    notionalUsd: 3897500,
    windowMs: 300000,
    firstAt: 1760130903127,
    minPx: 109500,
    maxPx: 112000,
    largestUsd: 2240000,
    priceMovePct: -2.232,
  },
  firstDataAt: 1760130911127,
  dataAt: 1760130913127,
  detectedAt: 1760130911127,
  updatedAt: 1760130913127,
  occurrences: 2,
};

const burst: Finding = {
  ...base,
  id: "fnd_0mglchuef500f99e9b89a",
  detector: "liquidations",
  kind: "burst",
  subject: { type: "asset", id: "BTC" },
  severity: "medium",
  title: "$1.7M of BTC liquidated within 10 s (5 liquidations)",
  evidence: {
    longsLiquidated: 5,
    shortsLiquidated: 0,
    notionalUsd: 1657500,
    count: 5,
    windowMs: 10000,
  },
  firstDataAt: 1760130905127,
  dataAt: 1760130913127,
  detectedAt: 1760130905127,
  updatedAt: 1760130913127,
  occurrences: 5,
};

const deviation: Finding = {
  ...base,
  id: "fnd_0mglcig07c50c38fe4ad8",
  detector: "oracle",
  kind: "deviation",
  subject: { type: "asset", id: "ETH" },
  severity: "high",
  title: "ETH mark is 0.75% above Binance for 40 s",
  evidence: {
    deviationPct: 0.75,
    signedDeviationPct: 0.75,
    pair: "mark/binance",
    bandPct: 0.5,
    sustainedMs: 40000,
    peakPct: 0.75,
    markPx: 4030,
    oraclePx: 4002,
    midPx: 4030,
    binancePx: 4000,
    coinbaseUsdPx: 4001,
    usdtUsd: 1.0002,
    hyperp: false,
  },
  firstDataAt: 1760130933127,
  dataAt: 1760130943127,
  detectedAt: 1760130933127,
  updatedAt: 1760130943127,
  occurrences: 3,
};

const priceMove: Finding = {
  ...base,
  id: "fnd_0mglco8c797e48d407052",
  detector: "manipulation",
  kind: "price-move",
  subject: { type: "asset", id: "ETH" },
  severity: "medium",
  title: "ETH mark up 10.00% within 5 min",
  evidence: {
    movePct: 10,
    markPx: 4400,
    windowLowPx: 4000,
    windowHighPx: 4400,
    impactSpreadPct: 0.1001,
  },
  firstDataAt: 1760131203127,
  dataAt: 1760131203127,
  detectedAt: 1760131203127,
  updatedAt: 1760131203127,
  occurrences: 1,
};

describe("fromFinding", () => {
  it("maps a large liquidation to one liquidation keyed by its trade id", () => {
    expect(fromFinding(large)).toMatchObject({
      id: large.id,
      source: "finding",
      detector: "liquidations",
      time: 1760130903127,
      spanStart: 1760130903127,
      protocol: "hyperliquid",
      venue: "hyperliquid",
      chains: ["Hyperliquid"],
      asset: "BTC",
      category: "liquidation",
      technique: "backstop",
      usd: 2240000,
      count: 1,
      aggregate: false,
      ref: "BTC:100",
    });
  });

  it("maps cascade and burst findings to aggregates spanning their own windows", () => {
    expect(fromFinding(cascade)).toMatchObject({
      aggregate: true,
      count: 6,
      usd: 3897500,
      time: 1760130913127,
      spanStart: 1760130903127,
      ref: null,
    });
    expect(fromFinding(burst)).toMatchObject({
      aggregate: true,
      count: 5,
      usd: 1657500,
      spanStart: 1760130913127 - 10_000,
    });
  });

  it("names the venues an oracle deviation holds against from its prices", () => {
    // Mark 4,030 vs Binance 4,000 (0.75 %) and vs Coinbase 4,001 / 1.0002 USDT (0.74 %): both over 0.5 %.
    expect(fromFinding(deviation)).toMatchObject({
      category: "oracle_deviation",
      asset: "ETH",
      venue: "hyperliquid",
      counterVenues: ["binance", "coinbase"],
    });
    // Coinbase at 4,015 USD: mark 0.39 % and oracle 0.30 % away, inside the band.
    expect(deviatingVenues({ ...deviation.evidence, coinbaseUsdPx: 4015 })).toEqual(["binance"]);
    // Mark 0.62 % over its oracle, both within 0.33 % of Binance and Coinbase: one venue
    // against itself names no pair.
    expect(
      deviatingVenues({
        ...deviation.evidence,
        pair: "mark/oracle",
        markPx: 4030,
        oraclePx: 4005,
        binancePx: 4017,
        coinbaseUsdPx: 4017.8,
      }),
    ).toEqual([]);
    // Without prices, the reported pair names the venue.
    expect(deviatingVenues({ pair: "oracle/coinbase", bandPct: 0.3 })).toEqual(["coinbase"]);
  });

  it("compares only the mark of a hyperp (its oracle follows its own mark)", () => {
    const ev = {
      ...deviation.evidence,
      hyperp: true,
      bandPct: 1,
      markPx: 1.0,
      oraclePx: 1.2,
      binancePx: 1.005,
      coinbaseUsdPx: null,
    };
    expect(deviatingVenues(ev)).toEqual([]);
  });

  it("maps manipulation signals and HLP losses", () => {
    expect(fromFinding(priceMove)).toMatchObject({
      category: "price_manipulation",
      techniques: ["price_manipulation"],
      asset: "ETH",
      usd: null,
    });
    const pnl: Finding = {
      ...priceMove,
      id: "fnd_hlp",
      detector: "hlp",
      kind: "pnl-loss",
      subject: { type: "vault", id: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303" },
      evidence: {
        pnl1hUsd: -2_500_000,
        pnl24hUsd: -1_000_000,
        pnl7dUsd: 3_000_000,
        pnl30dUsd: null,
      },
    };
    // The monitor's own losses are exploits at their data time, on Hyperliquid.
    expect(fromFinding(pnl)).toMatchObject({
      category: "exploit",
      technique: "Vault loss",
      usd: 2_500_000,
      asset: null,
      chains: ["Hyperliquid"],
      time: priceMove.dataAt,
    });
    const inherited: Finding = {
      ...pnl,
      kind: "inherited-position",
      evidence: { coin: "kPEPE", unrealizedPnlUsd: -400_000, worstUnrealizedPnlUsd: -900_000 },
    };
    expect(fromFinding(inherited)).toMatchObject({
      category: "exploit",
      asset: "PEPE",
      usd: 900_000,
    });
    // Without a loss, a position or a PnL finding is no exploit.
    const gain = { ...pnl, evidence: { pnl1hUsd: 10, pnl24hUsd: 20 } };
    expect(fromFinding(gain)).toMatchObject({ category: "vault_loss", usd: null });
    expect(fromFinding({ ...pnl, kind: "drawdown" })).toMatchObject({ category: "vault_loss" });
  });

  it("skips resolutions, the correlator's own findings and kinds that would double count", () => {
    expect(fromFinding({ ...large, status: "resolved" })).toBeNull();
    expect(
      fromFinding({ ...cascade, detector: "correlation", kind: "liquidation-cascade" }),
    ).toBeNull();
    expect(fromFinding({ ...cascade, kind: "market-cascade" })).toBeNull();
    expect(fromFinding({ ...cascade, kind: "repeat" })).toBeNull();
    expect(fromFinding({ ...cascade, detector: "someday" })).toBeNull();
  });

  it("takes the protocol from the origin option", () => {
    const e = fromFinding(large, {
      originOf: () => ({ protocol: "GMX V2", venue: "gmx", chains: ["Arbitrum"] }),
    });
    expect(e).toMatchObject({ protocol: "gmx-v2", venue: "gmx", chains: ["Arbitrum"] });
  });
});
