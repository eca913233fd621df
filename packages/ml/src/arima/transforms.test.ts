import { describe, expect, it } from "vitest";
import {
  constrainStationary,
  isInvertible,
  isStationary,
  unconstrainStationary,
} from "./transforms.ts";

describe("Monahan stationarity transform", () => {
  it("matches statsmodels' constrain/unconstrain_stationary_univariate", () => {
    // From statsmodels 0.13.5: constrain_stationary_univariate(np.array([0.5, -1.2, 2.0])) and
    // unconstrain_stationary_univariate(np.array([0.5, 0.2, -0.1])), printed with .tolist().
    const c = constrainStationary([0.5, -1.2, 2.0]);
    for (const [i, v] of [0.5834634062650049, 0.6755097914363262, -0.8944271909999159].entries())
      expect(c[i]).toBeCloseTo(v, 14);
    const u = unconstrainStationary([0.5, 0.2, -0.1]);
    for (const [i, v] of [-0.6963106238227915, -0.1532848348712415, 0.10050378152592121].entries())
      expect(u?.[i]).toBeCloseTo(v, 14);
  });

  it("round-trips and always yields a stationary polynomial", () => {
    const xs = [[3.1, -0.4], [-8, 8, -8], [0.01]];
    for (const x of xs) {
      const phi = constrainStationary(x);
      expect(isStationary(phi)).toBe(true);
      const back = unconstrainStationary(phi);
      x.forEach((v, i) => {
        expect(back?.[i]).toBeCloseTo(v, 8);
      });
    }
  });

  it("rejects non-stationary AR and non-invertible MA coefficients", () => {
    expect(unconstrainStationary([1.0])).toBeUndefined();
    expect(isStationary([0.5, 0.6])).toBe(false); // 1 − 0.5B − 0.6B² has a root inside the circle
    expect(isStationary([0.5, 0.3])).toBe(true);
    expect(isInvertible([-1.2])).toBe(false);
    expect(isInvertible([0.9])).toBe(true);
  });
});
