import type { AssetCtx, Observation } from "@kamiyo/core";
import { assetCtx, detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import { manipulationDetector } from "./manipulation-detector.ts";

const T0 = 1_742_990_400_000;
const market = (time: number, ...assets: AssetCtx[]): Observation => ({
  type: "market",
  time,
  assets,
});

describe("manipulation detector", () => {
  it("reports perps at their open-interest cap, higher with a funding spike, and resolves when they leave it", () => {
    const h = detectorHarness(manipulationDetector);
    h.observe(
      market(
        T0,
        assetCtx("JELLY", { markPx: 0.02, funding: 0.0008 }),
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
      h.observe(market(T0, assetCtx("X", { funding })));
      expect(h.raised()).toEqual(expected);
    }
  });

  it("resolves a funding spike only after funding stays normal for 10 min", () => {
    const h = detectorHarness(manipulationDetector);
    h.observe(market(T0, assetCtx("X", { funding: 0.0008 })));
    h.observe(market(T0 + 5_000, assetCtx("X", { funding: 0.0001 })));
    h.observe(market(T0 + 10_000, assetCtx("X", { funding: 0.0007 })));
    h.observe(market(T0 + 15_000, assetCtx("X", { funding: 0.0001 })));
    h.observe(market(T0 + 15_000 + 599_999, assetCtx("X", { funding: 0.0001 })));
    expect(h.changes.filter((c) => c.change === "resolved")).toEqual([]);
    h.observe(market(T0 + 15_000 + 600_000, assetCtx("X", { funding: 0.0001 })));
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
      h.observe(market(T0, assetCtx("X", { openInterest: 30_000, ...book })));
      h.observe(market(T0 + 120_000, assetCtx("X", { openInterest: 50_000, ...book })));
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
        assetCtx("A", { markPx: 1 }),
        assetCtx("B", { markPx: 1, impactBidPx: 0.98, impactAskPx: 1.02 }),
      ),
    );
    h.observe(
      market(
        T0 + 60_000,
        assetCtx("A", { markPx: 1.25, openInterest: 1e6 / 1.25 }),
        assetCtx("B", {
          markPx: 1.25,
          openInterest: 1e6 / 1.25,
          impactBidPx: 1.22,
          impactAskPx: 1.28,
        }),
      ),
    );
    expect(h.raised()).toEqual(["price-move:A:high", "price-move:B:critical"]);
  });
});
