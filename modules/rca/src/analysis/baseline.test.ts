import { describe, expect, it } from "vitest";
import { learnBaseline, quantileSorted } from "./baseline.ts";

describe("learnBaseline", () => {
  it("matches numpy (median, quantile with linear interpolation) and 1.4826·MAD", () => {
    // numpy 2: np.quantile(x, .01) = 0.37, np.quantile(x, .99) = 9.0, np.median(x) = 5.0,
    // 1.4826 * np.median(np.abs(x - np.median(x))) = 2.9652.
    const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3.5, 0.25];
    expect(learnBaseline(x)).toEqual({
      n: 17,
      median: 5,
      scale: expect.closeTo(2.9652, 9),
      p01: expect.closeTo(0.37, 9),
      p99: expect.closeTo(9, 9),
    });
  });

  it("skips non-finite values and gives undefined when none is left", () => {
    expect(learnBaseline([Number.NaN, 2, Number.POSITIVE_INFINITY, 4])?.median).toBe(3);
    expect(learnBaseline([Number.NaN])).toBeUndefined();
  });

  it("interpolates quantiles between neighbours", () => {
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    expect(quantileSorted([7], 0.99)).toBe(7);
  });
});
