import { describe, expect, it } from "vitest";
import { divHalfUp, outcomeEarnings } from "./outcome-math.ts";

const dollars = (d: number) => BigInt(Math.round(d * 100)) * 10_000n;

describe("outcome billing's arithmetic", () => {
  it("earns exactly $220.50 on the seed's example: spend $1,000, baseline 3.0, ROAS 4.47, 15 %", () => {
    const e = outcomeEarnings({
      spendMicros: dollars(1_000),
      ltvMicros: dollars(4_470),
      baselineRoasBps: 30_000,
      shareBps: 1_500,
    });
    expect(e).toEqual({
      roasBps: 44_700n,
      marginImprovementBps: 4_900n,
      additionalRevenueCents: 147_000n,
      earningsCents: 22_050n,
    });
  });

  it.each([
    // spend µ, ltv µ, baseline bps, share bps → additional ¢, earnings ¢
    [1_000_000n, 3_000_050n, 30_000, 10_000, 0n, 0n], // 0.5 µ¢ short of half a cent: rounds to 0
    [1_000_000n, 3_005_000n, 30_000, 10_000, 1n, 1n], // exactly half a cent: up
    [1_000_000n, 3_004_999n, 30_000, 10_000, 0n, 0n], // just under half a cent: down
    [3_333_333n, 10_000_000n, 30_000, 1_500, 0n, 0n], // 1 µ over baseline: nothing
    [1_000_000_000n, 2_500_000_000n, 30_000, 1_500, -50_000n, 0n], // under the baseline: no earnings
    [1_000_000_000n, 3_000_000_000n, 30_000, 1_500, 0n, 0n], // at the baseline: none
    [0n, 5_000_000n, 30_000, 1_500, 500n, 0n], // no spend: nothing to credit
    [
      7n * 10n ** 20n,
      3n * 10n ** 21n,
      31_234,
      1_234,
      81_362_000_000_000_000n,
      10_040_070_800_000_000n,
    ],
  ])(
    "spend %s µ, LTV %s µ, baseline %s bps, share %s bps → %s ¢ more, %s ¢ earned",
    (spend, ltv, baseline, share, more, earned) => {
      const e = outcomeEarnings({
        spendMicros: spend,
        ltvMicros: ltv,
        baselineRoasBps: baseline,
        shareBps: share,
      });
      expect(e.additionalRevenueCents).toBe(more);
      expect(e.earningsCents).toBe(earned);
    },
  );

  it("rounds earnings once from the exact product, not from the rounded additional revenue", () => {
    // additional = 0.6 ¢ exactly (rounds to 1 ¢); 50 % of it is 0.3 ¢ → 0, not 0.5 ¢ → 1.
    const e = outcomeEarnings({
      spendMicros: 1_000_000n,
      ltvMicros: 3_006_000n,
      baselineRoasBps: 30_000,
      shareBps: 5_000,
    });
    expect(e.additionalRevenueCents).toBe(1n);
    expect(e.earningsCents).toBe(0n);
  });

  it("rounds halves away from zero", () => {
    expect([divHalfUp(5n, 2n), divHalfUp(-5n, 2n), divHalfUp(4n, 3n), divHalfUp(-7n, 3n)]).toEqual([
      3n,
      -3n,
      1n,
      -2n,
    ]);
  });

  it("refuses what cannot be billed, naming it", () => {
    const ok = { spendMicros: 1n, ltvMicros: 1n, baselineRoasBps: 30_000, shareBps: 1_500 };
    expect(() => outcomeEarnings({ ...ok, spendMicros: -1n })).toThrow(/spendMicros/);
    expect(() => outcomeEarnings({ ...ok, baselineRoasBps: 0 })).toThrow(/baselineRoasBps/);
    expect(() => outcomeEarnings({ ...ok, baselineRoasBps: 2.5 })).toThrow(/baselineRoasBps/);
    expect(() => outcomeEarnings({ ...ok, shareBps: 10_001 })).toThrow(/shareBps/);
  });
});
