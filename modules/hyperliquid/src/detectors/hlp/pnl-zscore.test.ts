import { detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { HlObservation, SeriesPoint, VaultMember } from "../../observations.ts";
import { calmHlpPnl } from "../../testing/hlp-series.ts";
import { hlpDetector } from "./hlp-detector.ts";

const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 27);
const HLP: VaultMember = {
  address: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303",
  name: "HLP",
  role: "parent",
};

/** Calm 15-min intervals of HLP PnL, shaped like the recorded series. */
function calm(intervals: number, seed = 1): SeriesPoint[] {
  return calmHlpPnl({ start: T0, intervals, seed });
}

/** The same series with one more point, `move` after its last. */
function then(pts: SeriesPoint[], move: number): SeriesPoint[] {
  const [t, v] = pts.at(-1) as SeriesPoint;
  return [...pts, [t + 15 * MIN, v + move]];
}

function portfolio(pnl: SeriesPoint[], accountValue = 400e6): HlObservation {
  const period = { pnl, accountValue: pnl.map(([t]) => [t, accountValue] as SeriesPoint) };
  return {
    type: "vaultPortfolio",
    time: pnl.at(-1)?.[0] ?? T0,
    vault: HLP,
    day: period,
    week: period,
    month: period,
    allTime: period,
  };
}

/** The z-score findings raised (opened or escalated) after observing `pnl`. */
function zFindings(pnl: SeriesPoint[], accountValue?: number) {
  const h = detectorHarness(hlpDetector);
  h.observe(portfolio(pnl, accountValue));
  return h.changes
    .filter((c) => c.finding.kind === "pnl-zscore" && c.change !== "resolved")
    .map((c) => c.finding);
}

describe("HLP pnl-zscore: materiality", () => {
  it("stays quiet when a calm stretch is followed by a move of cents: $13.9k at 68σ is nothing", () => {
    // The case: a nearly flat hour makes a $13.9k dip about 68σ by mean/std.
    const flat: SeriesPoint[] = Array.from({ length: 60 }, (_, i) => [
      T0 + i * 15 * MIN,
      60_000_000 + i * 500 + (i % 2) * 50,
    ]);
    expect(zFindings(then(flat, -13_900))).toEqual([]);
    // And on a series that wiggles like HLP's recorded one.
    expect(zFindings(then(calm(60), -13_900))).toEqual([]);
  });

  it("raises a real $2M loss after a calm stretch at once: high, with the move and its σ", () => {
    const [f, ...rest] = zFindings(then(calm(60), -2_000_000));
    expect(rest).toEqual([]);
    expect(f?.severity).toBe("high");
    expect(f?.evidence).toMatchObject({ moveUsd: -2_000_000, materialFromUsd: 250_000 });
    expect(f?.evidence.zScore as number).toBeLessThan(-4);
    expect(f?.title).toMatch(
      /^HLP PnL dropped \$2\.0M in one interval \(0\.50% of account value, /,
    );
  });

  it("is critical only for a loss the 1 h loss rule calls critical, and medium between the floor and $1M", () => {
    expect(zFindings(then(calm(60), -2_500_000)).map((f) => f.severity)).toEqual(["critical"]);
    expect(zFindings(then(calm(60), +2_500_000)).map((f) => f.severity)).toEqual(["high"]);
    expect(zFindings(then(calm(60), -400_000)).map((f) => f.severity)).toEqual(["medium"]);
    expect(zFindings(then(calm(60), -240_000))).toEqual([]);
  });

  it("needs the move to be a material share of the account value too", () => {
    // $400k is 0.1% of $400M (material) but 0.04% of $1B (not).
    expect(zFindings(then(calm(60), -400_000), 400e6).map((f) => f.severity)).toEqual(["medium"]);
    expect(zFindings(then(calm(60), -400_000), 1e9)).toEqual([]);
  });

  it("sees a loss after a perfectly steady stretch (a flat history still has a scale)", () => {
    const steady: SeriesPoint[] = Array.from({ length: 50 }, (_, i) => [
      T0 + i * 15 * MIN,
      i * 10_000,
    ]);
    expect(zFindings(then(steady, -2_000_000)).map((f) => f.severity)).toEqual(["high"]);
  });

  it("is not blinded by one earlier spike: the baseline is the median and MAD", () => {
    // A $3M gain 10 intervals ago would inflate a standard deviation so much that a $1.2M loss
    // looks like 2.5σ; against the median/MAD it is far out.
    const pts = calm(50);
    const spiked = pts.map(([t, v], i) => [t, i >= 40 ? v + 3_000_000 : v] as SeriesPoint);
    const [spike, loss] = zFindings(then(spiked, -1_200_000));
    expect(spike?.title).toMatch(/^HLP PnL jumped \$3\.0M/);
    expect(loss?.severity).toBe("high");
    expect(loss?.evidence.zScore as number).toBeLessThan(-100);
  });

  it("does not score the same points twice, nor an off-grid latest point of a steady series", () => {
    const h = detectorHarness(hlpDetector);
    const pts = then(calm(60), -2_000_000);
    h.observe(portfolio(pts));
    h.observe(portfolio(pts));
    expect(h.changes.filter((c) => c.finding.kind === "pnl-zscore")).toHaveLength(1);
    const even: SeriesPoint[] = Array.from(
      { length: 50 },
      (_, i) => [T0 + i * 15 * MIN, i * 10_000] as SeriesPoint,
    );
    even.push([T0 + 49 * 15 * MIN + MIN, 49 * 10_000 + 667]);
    expect(zFindings(even)).toEqual([]);
  });
});
