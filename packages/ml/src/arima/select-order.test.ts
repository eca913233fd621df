import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { autoArima } from "./select-order.ts";
import { simulateArima } from "./simulate.ts";

const orderOf = (r: ReturnType<typeof autoArima>) =>
  `${r.model.order.p},${r.model.order.d},${r.model.order.q}`;

describe("autoArima", () => {
  it("picks the true order of clearly simulated AR(2), MA(1) and ARMA(1,1) series by AIC", () => {
    const ar2 = simulateArima({ ar: [0.6, -0.3], mean: 10 }, 400, seededRandom(2));
    expect(orderOf(autoArima(ar2))).toBe("2,0,0");
    const ma1 = simulateArima({ ma: [0.6], mean: 10 }, 400, seededRandom(2));
    expect(orderOf(autoArima(ma1))).toBe("0,0,1");
    const arma = simulateArima({ ar: [0.7], ma: [-0.4], mean: 10 }, 400, seededRandom(3));
    const res = autoArima(arma);
    expect(orderOf(res)).toBe("1,0,1");
    expect(res.candidates).toHaveLength(16);
    const best = Math.min(...res.candidates.map((c) => c.aic));
    expect(res.model.aic).toBe(best);
  });

  it("lets BIC undo AIC's over-fitting of near-cancelling ARMA factors", () => {
    // With seed 1, AIC prefers ARIMA(2,0,3) (a known weakness of an exhaustive AIC grid).
    const ma1 = simulateArima({ ma: [0.6], mean: 10 }, 400, seededRandom(1));
    expect(orderOf(autoArima(ma1, { d: 0 }))).not.toBe("0,0,1");
    expect(orderOf(autoArima(ma1, { d: 0, criterion: "bic" }))).toBe("0,0,1");
  });

  it("differences a random walk once (KPSS) and fits it with a drift", () => {
    const walk = simulateArima({ ar: [0.5], d: 1, mean: 0.2, start: 100 }, 300, seededRandom(7));
    const res = autoArima(walk, { maxP: 2, maxQ: 1 });
    expect(res.d).toBe(1);
    expect(res.differencing?.tests[0]?.pValue).toBeLessThan(0.05);
    expect(res.model.trend).toBe("t");
    expect(res.candidates).toHaveLength(6);
    expect(orderOf(res)).toBe("1,1,0");
  });

  it("never gives a larger model a lower likelihood than the model nested in it", () => {
    const y = simulateArima({ ar: [0.5, 0.3], ma: [-0.6], mean: 1 }, 250, seededRandom(9));
    const { candidates } = autoArima(y, { d: 0 });
    const ll = (p: number, q: number) =>
      candidates.find((c) => c.order.p === p && c.order.q === q)?.logLikelihood ?? Number.NaN;
    for (let p = 0; p <= 3; p++) {
      for (let q = 0; q <= 3; q++) {
        if (p > 0) expect(ll(p, q)).toBeGreaterThanOrEqual(ll(p - 1, q) - 1e-6);
        if (q > 0) expect(ll(p, q)).toBeGreaterThanOrEqual(ll(p, q - 1) - 1e-6);
      }
    }
  });

  it("skips orders the series is too short for and fails when none fit", () => {
    const y = simulateArima({ ar: [0.5] }, 12, seededRandom(8));
    const res = autoArima(y, { d: 0 });
    expect(res.skipped.length).toBeGreaterThan(0);
    expect(res.candidates.length).toBeGreaterThan(0);
    expect(res.candidates.every((c) => c.order.p + c.order.q + 3 <= 6)).toBe(true);
    expect(() => autoArima([1, 2, 1, 2], { d: 0 })).toThrow(
      /too short for any ARIMA\(p,0,q\): .* needs 5/,
    );
  });

  it("rejects bad input before testing anything", () => {
    expect(() => autoArima([1, 2, Number.NaN, 4])).toThrow(/series\[2\] is NaN/);
    expect(() => autoArima(new Array(40).fill(2))).toThrow(/series is constant/);
    const line = Array.from({ length: 40 }, (_, i) => 5 + 0.5 * i);
    expect(() => autoArima(line)).toThrow(/differenced 1 time\(s\) is constant/);
    expect(() => autoArima([1, 2, 3, 5, 4, 6, 7, 9, 8, 10], { maxP: 11 })).toThrow(/maxP/);
    expect(() => autoArima([1, 2, 3, 5, 4, 6, 7, 9, 8, 10], { alpha: 0.5 })).toThrow(/alpha/);
  });
});
