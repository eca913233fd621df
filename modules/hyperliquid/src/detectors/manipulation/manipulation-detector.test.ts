import { detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { AssetCtx, HlObservation } from "../../observations.ts";
import { assetCtx } from "../../testing/asset-ctx.ts";
import { manipulationDetector } from "./manipulation-detector.ts";

const T0 = 1_742_990_400_000;
const market = (time: number, ...assets: AssetCtx[]): HlObservation => ({
  type: "market",
  time,
  assets,
});
/** A liquid market: $200M of open interest at a mark of 100. */
const LIQUID = { openInterest: 2_000_000 };

describe("manipulation detector", () => {
  it("reports perps at their open-interest cap, higher with a funding spike, and resolves when they leave it", () => {
    const h = detectorHarness(manipulationDetector);
    h.observe(
      market(
        T0,
        assetCtx("JELLY", { markPx: 0.02, funding: 0.0008, openInterest: 500_000_000 }),
        assetCtx("PURR", { markPx: 0.2 }),
      ),
    );
    h.observe({ type: "oiCap", time: T0, coins: ["JELLY", "PURR"] });
    expect(h.raised()).toEqual([
      "funding-spike:JELLY:medium",
      "oi-cap:JELLY:high",
      "oi-cap:PURR:medium",
    ]);
    h.observe({ type: "oiCap", time: T0 + 30_000, coins: ["JELLY"] });
    expect(h.changes.at(-1)).toMatchObject({
      change: "resolved",
      finding: { kind: "oi-cap", subject: { id: "PURR" } },
    });
  });

  it("grades funding by the hourly rate in either direction", () => {
    for (const [funding, expected] of [
      [0.0000125, []],
      [0.0004, []],
      [-0.0006, ["funding-spike:X:medium"]],
      [0.002, ["funding-spike:X:high"]],
      [0.04, ["funding-spike:X:critical"]],
    ] as const) {
      const h = detectorHarness(manipulationDetector);
      h.observe(market(T0, assetCtx("X", { funding, ...LIQUID })));
      expect(h.raised()).toEqual(expected);
    }
  });

  it("resolves a funding spike only after funding stays normal for 10 min", () => {
    const h = detectorHarness(manipulationDetector);
    const x = (funding: number) => assetCtx("X", { funding, ...LIQUID });
    h.observe(market(T0, x(0.0008)));
    h.observe(market(T0 + 5_000, x(0.0001)));
    h.observe(market(T0 + 10_000, x(0.0007)));
    h.observe(market(T0 + 15_000, x(0.0001)));
    h.observe(market(T0 + 15_000 + 599_999, x(0.0001)));
    expect(h.changes.filter((c) => c.change === "resolved")).toEqual([]);
    h.observe(market(T0 + 15_000 + 600_000, x(0.0001)));
    expect(h.changes.at(-1)?.change).toBe("resolved");
    expect(new Set(h.changes.map((c) => c.finding.id)).size).toBe(1);
  });

  it("flags open-interest jumps within 5 min, higher on a thin book", () => {
    const thin = { impactBidPx: 99, impactAskPx: 101 };
    for (const [book, expected] of [
      [{}, "oi-jump:X:medium"],
      [thin, "oi-jump:X:high"],
    ] as const) {
      const h = detectorHarness(manipulationDetector);
      h.observe(market(T0, assetCtx("X", { openInterest: 300_000, ...book })));
      h.observe(market(T0 + 120_000, assetCtx("X", { openInterest: 500_000, ...book })));
      expect(h.raised()).toEqual([expected]);
    }
  });

  it("ignores OI growth spread over more than the window", () => {
    const h = detectorHarness(manipulationDetector);
    h.observe(market(T0, assetCtx("X", { openInterest: 30_000 })));
    h.observe(market(T0 + 301_000, assetCtx("X", { openInterest: 50_000 })));
    expect(h.raised()).toEqual([]);
  });

  it("flags sharp price moves, one step higher on a thin book", () => {
    const h = detectorHarness(manipulationDetector);
    h.observe(
      market(
        T0,
        assetCtx("A", { markPx: 1, openInterest: 1e8 }),
        assetCtx("B", { markPx: 1, openInterest: 1e8, impactBidPx: 0.98, impactAskPx: 1.02 }),
      ),
    );
    h.observe(
      market(
        T0 + 60_000,
        assetCtx("A", { markPx: 1.25, openInterest: 1e8 }),
        assetCtx("B", {
          markPx: 1.25,
          openInterest: 1e8,
          impactBidPx: 1.22,
          impactAskPx: 1.28,
        }),
      ),
    );
    expect(h.raised()).toEqual(["price-move:A:high", "price-move:B:critical"]);
  });

  it("keeps price moves on thin, tiny markets at medium or below: a 25% move is high only when it moves $1M", () => {
    const h = detectorHarness(manipulationDetector);
    const thin = { impactBidPx: 0.98, impactAskPx: 1.02 };
    // $250k of open interest moving 25% moves $62.5k: nothing. $2.5M moving 25% on a thin book
    // ($625k): medium, not critical. $12.5M moving 25% ($3.1M): high.
    const at = (px: number, oiUsd: number, book = {}) =>
      assetCtx(`X${oiUsd}`, { markPx: px, openInterest: oiUsd, ...book });
    h.observe(market(T0, at(1, 200_000), at(1, 2e6, thin), at(1, 10e6)));
    h.observe(market(T0 + 60_000, at(1.25, 200_000), at(1.25, 2e6, thin), at(1.25, 10e6)));
    expect(h.raised()).toEqual(["price-move:X2000000:medium", "price-move:X10000000:high"]);
    expect(h.open()[0]?.evidence).toMatchObject({ valueMovedUsd: 625_000, movePct: 25 });
  });

  it("keeps an OI jump that adds less than $5M at medium, even at +150% on a thin book", () => {
    const h = detectorHarness(manipulationDetector);
    const thin = { impactBidPx: 99, impactAskPx: 101 };
    h.observe(market(T0, assetCtx("X", { openInterest: 10_000, ...thin })));
    h.observe(market(T0 + 60_000, assetCtx("X", { openInterest: 25_000, ...thin })));
    expect(h.raised()).toEqual(["oi-jump:X:medium"]);
    expect(h.open()[0]?.evidence).toMatchObject({ addedUsd: 1_500_000 });
  });

  it("grades funding on illiquid coins by the funding paid too", () => {
    for (const [oiUsd, expected] of [
      [150_000, []], // 0.5 %/h on $150k is $750 an hour: nothing
      [3_000_000, ["funding-spike:X:high"]], // $15k an hour: high, not critical
      [50_000_000, ["funding-spike:X:critical"]], // $250k an hour
    ] as const) {
      const h = detectorHarness(manipulationDetector);
      h.observe(market(T0, assetCtx("X", { funding: 0.005, openInterest: oiUsd / 100 })));
      expect(h.raised()).toEqual(expected);
    }
    // Nor does an illiquid coin at its cap count as "with a funding spike".
    const h = detectorHarness(manipulationDetector);
    h.observe(market(T0, assetCtx("X", { funding: 0.005, openInterest: 1_500 })));
    h.observe({ type: "oiCap", time: T0, coins: ["X"] });
    expect(h.raised()).toEqual(["oi-cap:X:medium"]);
  });
});
