import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import {
  chooseDifferencing,
  difference,
  isConstant,
  kpssPValue,
  kpssTest,
  lastLevels,
} from "./differencing.ts";
import { simulateArima } from "./simulate.ts";

const Y = [
  1.2, 0.4, -0.3, 0.9, 2.1, 1.7, 0.2, -1.1, -0.6, 0.5, 1.4, 0.8, -0.2, -0.9, 0.3, 1.9, 2.4, 1.1,
  0.0, -0.7,
];

describe("difference and lastLevels", () => {
  it("differences d times and keeps the levels needed to integrate back", () => {
    const x = [1, 4, 9, 16, 25];
    expect(difference(x, 0)).toEqual(x);
    expect(difference(x, 1)).toEqual([3, 5, 7, 9]);
    expect(difference(x, 2)).toEqual([2, 2, 2]);
    expect(lastLevels(x, 2)).toEqual([25, 9]);
    expect(isConstant(difference(x, 2))).toBe(true);
  });
});

describe("kpssTest", () => {
  it("matches statsmodels.tsa.stattools.kpss(x, 'c', nlags)", () => {
    // statsmodels 0.13.5: kpss(np.array(Y), "c", nlags=1)[0], the same with nlags=3, and
    // kpss(np.cumsum(Y), "c", nlags=1)[0].
    expect(kpssTest(Y).lags).toBe(1); // trunc(3·√20 / 13)
    expect(kpssTest(Y).statistic).toBeCloseTo(0.05171616139112738, 12);
    expect(kpssTest(Y, { lags: 3 }).statistic).toBeCloseTo(0.08506911536544441, 12);
    let s = 0;
    const walk = Y.map((v) => (s += v));
    const test = kpssTest(walk);
    expect(test.statistic).toBeCloseTo(0.9342556433632803, 12);
    expect(test.pValue).toBe(0.01);
  });

  it("interpolates the p-value between the table's critical values, clipped to [0.01, 0.1]", () => {
    expect(kpssPValue(0.2)).toBe(0.1);
    expect(kpssPValue(0.347)).toBe(0.1);
    expect(kpssPValue(0.463)).toBeCloseTo(0.05, 12);
    expect(kpssPValue((0.463 + 0.574) / 2)).toBeCloseTo(0.0375, 12);
    expect(kpssPValue(0.739)).toBe(0.01);
    expect(kpssPValue(3)).toBe(0.01);
  });
});

describe("chooseDifferencing", () => {
  it("picks d = 1 for a random walk and d = 0 for white noise", () => {
    const walk = simulateArima({ d: 1, start: 50 }, 300, seededRandom(1));
    const walkChoice = chooseDifferencing(walk);
    expect(walkChoice.d).toBe(1);
    expect(walkChoice.tests[0]?.pValue).toBeLessThan(0.05);
    expect(walkChoice.tests[1]?.pValue).toBeGreaterThanOrEqual(0.05);
    expect(chooseDifferencing(simulateArima({}, 300, seededRandom(2))).d).toBe(0);
  });

  it("picks d = 2 for a twice-integrated series and respects maxD", () => {
    const x = simulateArima({ d: 2 }, 300, seededRandom(4));
    expect(chooseDifferencing(x).d).toBe(2);
    expect(chooseDifferencing(x, { maxD: 1 }).d).toBe(1);
  });

  it("stops when the differenced series is constant (a straight line needs d = 1)", () => {
    const line = Array.from({ length: 50 }, (_, i) => 3 + 2 * i);
    expect(chooseDifferencing(line).d).toBe(1);
    expect(chooseDifferencing([5, 5, 5, 5]).d).toBe(0);
  });
});
