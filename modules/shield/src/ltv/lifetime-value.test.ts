import { beforeAll, describe, expect, it } from "vitest";
import { cdnowSummary } from "../testing/index.ts";
import { fitBgNbd } from "./bgnbd.ts";
import { BgNbdModel } from "./bgnbd-model.ts";
import { fitGammaGamma, GammaGammaModel } from "./gamma-gamma.ts";
import { LifetimeValue } from "./lifetime-value.ts";
import type { RfmSummary } from "./rfm.ts";

let cdnow: RfmSummary & { monetaryValue: Float64Array };
let purchases: BgNbdModel;
let spend: GammaGammaModel;
beforeAll(() => {
  cdnow = cdnowSummary() as RfmSummary & { monetaryValue: Float64Array };
  purchases = new BgNbdModel(fitBgNbd(cdnow).params);
  spend = new GammaGammaModel(fitGammaGamma(cdnow).params);
});

describe("LifetimeValue", () => {
  it("gives lifetimes' documented 12-month values of the first CDNOW customers", () => {
    // docs/Quickstart.md calls customer_lifetime_value(time=12, discount_rate=0.01) with the
    // default freq "D" on this weekly data: 30 of its time units make a "month" there.
    const ltv = new LifetimeValue(purchases, spend, { unitsPerMonth: 30 });
    const documented = [
      [1, 140.096211],
      [2, 18.943467],
      [3, 38.180574],
      [6, 1003.868107],
      [7, 28.109683],
      [9, 167.418216],
    ] as const;
    const all = ltv.batch(cdnow);
    for (const [id, value] of documented)
      expect(Math.abs((all[id - 1] as number) / value - 1), `customer ${id}`).toBeLessThan(1e-4);
  });

  it("sums the months' expected purchases times the expected spend, each discounted", () => {
    const [x, tx, T, m] = [2, 30.43, 38.86, 22.35];
    const weeks = 4.345;
    const oneMonth = new LifetimeValue(purchases, spend, {
      months: 1,
      monthlyDiscountRate: 0.05,
      unitsPerMonth: weeks,
    });
    expect(oneMonth.of(x, tx, T, m)).toBeCloseTo(
      (spend.expectedAverageSpend(x, m) * purchases.expectedPurchases(weeks, x, tx, T)) / 1.05,
      12,
    );
    const undiscounted = new LifetimeValue(purchases, spend, {
      months: 12,
      monthlyDiscountRate: 0,
      unitsPerMonth: weeks,
    });
    expect(undiscounted.of(x, tx, T, m)).toBeCloseTo(
      spend.expectedAverageSpend(x, m) * purchases.expectedPurchases(12 * weeks, x, tx, T),
      9,
    );
    const discounted = new LifetimeValue(purchases, spend, { unitsPerMonth: weeks });
    expect(discounted.of(x, tx, T, m)).toBeLessThan(undiscounted.of(x, tx, T, m));
  });

  it("refuses a horizon, rate or unit that makes no sense", () => {
    const make = (o: object) => () =>
      new LifetimeValue(purchases, spend, { unitsPerMonth: 4.345, ...o });
    expect(make({ months: 0 })).toThrow("months: expected a whole number ≥ 1, got 0");
    expect(make({ monthlyDiscountRate: -1 })).toThrow("monthlyDiscountRate");
    expect(make({ unitsPerMonth: 0 })).toThrow("unitsPerMonth: expected a number > 0, got 0");
  });
});
