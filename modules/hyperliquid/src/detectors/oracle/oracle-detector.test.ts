import { detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { AssetCtx, HlObservation } from "../../observations.ts";
import { assetCtx } from "../../testing/asset-ctx.ts";
import { oracleDetector } from "./oracle-detector.ts";

const T0 = 1_742_990_400_000;
const market = (time: number, ...assets: AssetCtx[]): HlObservation => ({
  type: "market",
  time,
  assets,
});
const binance = (time: number, prices: Record<string, number>): HlObservation => ({
  type: "externalPrices",
  time,
  venue: "binance",
  quote: "USDT",
  prices: new Map(Object.entries(prices)),
  usdtUsd: null,
});

/**
 * Feeds market samples every 5 s for `seconds`, with mark and oracle `devPct` above a 100.00
 * Binance price, on a market with `oiUsd` of open interest (default $50M).
 */
function run(
  h: ReturnType<typeof detectorHarness>,
  from: number,
  seconds: number,
  devPct: number,
  coin = "ETH",
  oiUsd = 50_000_000,
) {
  for (let s = 0; s <= seconds; s += 5) {
    const t = from + s * 1000;
    const px = 100 * (1 + devPct / 100);
    h.observe(binance(t, { [coin]: 100 }));
    h.observe(market(t, assetCtx(coin, { markPx: px, oraclePx: px, openInterest: oiUsd / px })));
  }
}

describe("oracle detector", () => {
  it("raises a deviation only after 30 s of continuous deviation, not before", () => {
    const h = detectorHarness(oracleDetector);
    run(h, T0, 25, 0.6);
    expect(h.changes).toEqual([]);
    run(h, T0 + 30_000, 0, 0.6);
    expect(h.raised()).toEqual(["deviation:ETH:high"]);
    const f = h.open()[0];
    expect(f?.evidence).toMatchObject({
      pair: "mark/binance",
      sustainedMs: 30_000,
      binancePx: 100,
    });
    expect(f?.title).toBe("ETH mark is 0.60% above Binance for 30 s");
    expect(f?.detectedAt).toBe(T0 + 30_000);
  });

  it("restarts the 30 s when one sample falls back inside the band", () => {
    const h = detectorHarness(oracleDetector);
    run(h, T0, 20, 0.6);
    run(h, T0 + 25_000, 0, 0.1);
    run(h, T0 + 30_000, 25, 0.6);
    expect(h.changes).toEqual([]);
    run(h, T0 + 60_000, 0, 0.6);
    expect(h.raised()).toEqual(["deviation:ETH:high"]);
  });

  it("restarts the 30 s after a gap in the samples", () => {
    const h = detectorHarness(oracleDetector);
    run(h, T0, 10, 1.5);
    run(h, T0 + 40_000, 20, 1.5);
    expect(h.changes).toEqual([]);
    run(h, T0 + 70_000, 0, 1.5);
    expect(h.raised()).toEqual(["deviation:ETH:critical"]);
  });

  it("grades by the highest band held for 30 s and escalates within one finding", () => {
    const h = detectorHarness(oracleDetector);
    run(h, T0, 30, 0.35);
    expect(h.raised()).toEqual(["deviation:ETH:medium"]);
    run(h, T0 + 35_000, 25, 1.2);
    expect(h.raised()).toEqual(["deviation:ETH:medium"]);
    run(h, T0 + 65_000, 0, 1.2);
    expect(h.raised()).toEqual(["deviation:ETH:medium", "deviation:ETH:critical"]);
    expect(new Set(h.changes.map((c) => c.finding.id)).size).toBe(1);
  });

  it("resolves after 60 s back inside the band", () => {
    const h = detectorHarness(oracleDetector);
    run(h, T0, 30, 0.6);
    run(h, T0 + 35_000, 55, 0.05);
    expect(h.changes.at(-1)?.change).not.toBe("resolved");
    run(h, T0 + 95_000, 0, 0.05);
    expect(h.changes.at(-1)?.change).toBe("resolved");
  });

  it("compares Coinbase USD prices through USDT-USD, and ignores stale venues", () => {
    const h = detectorHarness(oracleDetector);
    for (let s = 0; s <= 40; s += 5) {
      const t = T0 + s * 1000;
      h.observe({
        type: "externalPrices",
        time: t,
        venue: "coinbase",
        quote: "USD",
        prices: new Map([["BTC", 100_200]]),
        usdtUsd: 1.002,
      });
      h.observe(market(t, assetCtx("BTC", { markPx: 100_000, oraclePx: 100_000 })));
    }
    expect(h.changes).toEqual([]);
    const stale = detectorHarness(oracleDetector);
    stale.observe(binance(T0, { SOL: 90 }));
    for (let s = 61; s <= 120; s += 5)
      stale.observe(market(T0 + s * 1000, assetCtx("SOL", { markPx: 100, oraclePx: 100 })));
    expect(stale.changes).toEqual([]);
  });

  it("skips delisted perps, perps without a book and those under the open-interest floor", () => {
    const h = detectorHarness(oracleDetector);
    for (let s = 0; s <= 60; s += 5) {
      const t = T0 + s * 1000;
      h.observe(
        market(
          t,
          assetCtx("DEAD", { markPx: 150, oraclePx: 100, isDelisted: true }),
          assetCtx("NOBOOK", { markPx: 150, oraclePx: 100, midPx: null }),
          assetCtx("TINY", { markPx: 150, oraclePx: 100, openInterest: 10 }),
        ),
      );
    }
    expect(h.changes).toEqual([]);
  });

  it("keeps deviations of perps under $1M of open interest at medium", () => {
    for (const [oiUsd, expected] of [
      [500_000, "deviation:X:medium"],
      [1_000_000, "deviation:X:critical"],
    ] as const) {
      const h = detectorHarness(oracleDetector);
      run(h, T0, 30, 1.5, "X", oiUsd);
      expect(h.raised()).toEqual([expected]);
    }
  });

  it("does not compare a hyperp's mark with its own EMA oracle, and widens its external bands", () => {
    const h = detectorHarness(oracleDetector, { hyperps: ["XPL"] });
    for (let s = 0; s <= 40; s += 5) {
      const t = T0 + s * 1000;
      h.observe(binance(t, { XPL: 1 }));
      h.observe(market(t, assetCtx("XPL", { markPx: 1.008, oraclePx: 0.7 })));
    }
    expect(h.changes).toEqual([]);
    for (let s = 45; s <= 80; s += 5) {
      const t = T0 + s * 1000;
      h.observe(binance(t, { XPL: 1 }));
      h.observe(market(t, assetCtx("XPL", { markPx: 1.02, oraclePx: 0.7 })));
    }
    expect(h.raised()).toEqual(["deviation:XPL:high"]);
  });

  it("rejects bands that do not increase", () => {
    expect(() => oracleDetector.config.parse({ mediumPct: 1, highPct: 0.5 })).toThrow(
      /bands must increase/,
    );
  });
});
