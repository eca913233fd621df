import { MAD_SCALE, medianMad, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { standardNormal } from "./arima/simulate.ts";
import { Ewma, ewmaForecast, medianMadForecast } from "./baselines.ts";

describe("median/MAD forecast", () => {
  it("forecasts the median with the robust scale as standard error", () => {
    const f = medianMadForecast(medianMad([4, 1, 3, 100, 2]), 3, { level: 0.95 });
    expect(f.mean).toEqual([3, 3, 3]);
    expect(f.se).toEqual([MAD_SCALE, MAD_SCALE, MAD_SCALE]);
    expect(f.upper[0]).toBeCloseTo(3 + 1.959963984540054 * MAD_SCALE, 12);
  });
});

describe("Ewma", () => {
  it("updates level and bias-corrected one-step error variance", () => {
    const e = Ewma.of([1, 2, 3], { alpha: 0.5 });
    expect(e.count).toBe(3);
    expect(e.level).toBeCloseTo(2.25, 12);
    // errors 1 and 1.5 with weights 0.25 and 0.5 (of 0.75)
    expect(e.variance).toBeCloseTo((0.25 * 1 + 0.5 * 2.25) / 0.75, 12);
    expect(e.zScore(4)).toBeCloseTo(1.75 / Math.sqrt(e.variance), 12);
  });

  it("derives alpha from a half-life", () => {
    expect(new Ewma({ halfLife: 1 }).alpha).toBe(0.5);
    const a = new Ewma({ halfLife: 10 }).alpha;
    expect((1 - a) ** 10).toBeCloseTo(0.5, 12);
  });

  it("scores a point against the state before it", () => {
    const e = Ewma.of([10, 12, 11, 13], { alpha: 0.2 });
    const expected = e.zScore(30);
    expect(e.update(30)).toBe(expected);
    expect(e.zScore(30)).not.toBe(expected);
  });

  it("is NaN without history, and 0 or ±Infinity when the history is constant", () => {
    const e = new Ewma({ alpha: 0.3 });
    expect(e.zScore(1)).toBeNaN();
    expect(e.update(5)).toBeNaN();
    expect(e.zScore(6)).toBeNaN();
    e.update(5);
    expect(e.variance).toBe(0);
    expect(e.zScore(5)).toBe(0);
    expect(e.zScore(6)).toBe(Number.POSITIVE_INFINITY);
  });

  it("tracks the level and spread of white noise, with about 5 % of |z| above 1.96", () => {
    const rand = seededRandom(41);
    const e = new Ewma({ alpha: 0.02 });
    let big = 0;
    let scored = 0;
    for (let t = 0; t < 20_000; t++) {
      const z = e.update(5 + 2 * standardNormal(rand));
      if (t >= 500) {
        scored++;
        if (Math.abs(z) > 1.96) big++;
      }
    }
    expect(Math.abs(e.level - 5)).toBeLessThan(0.4);
    // one-step error variance of SES on white noise: σ²(1 + α/(2 − α)) ≈ 4.04
    expect(e.variance).toBeGreaterThan(3.4);
    expect(e.variance).toBeLessThan(4.8);
    expect(big / scored).toBeGreaterThan(0.04);
    expect(big / scored).toBeLessThan(0.065);
  });

  it("forecasts a flat level with the exponential-smoothing error growth", () => {
    const e = Ewma.of([3, 5, 4, 6, 5, 7], { alpha: 0.4 });
    const f = e.forecast(4, { level: 0.9 });
    for (let h = 1; h <= 4; h++) {
      expect(f.mean[h - 1]).toBe(e.level);
      expect(f.se[h - 1]).toBeCloseTo(Math.sqrt(e.variance * (1 + (h - 1) * 0.16)), 12);
    }
    expect(f.lower[0]).toBeCloseTo(e.level - 1.6448536269514722 * (f.se[0] ?? 0), 12);
    const g = ewmaForecast([3, 5, 4, 6, 5, 7], { alpha: 0.4, horizon: 4, level: 0.9 });
    expect(g).toEqual(f);
  });

  it("round-trips through JSON and keeps updating identically", () => {
    const a = Ewma.of([1, 4, 2, 8, 5], { halfLife: 3 });
    const b = Ewma.fromJSON(JSON.parse(JSON.stringify(a)));
    a.update(7);
    b.update(7);
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(b.forecast(2)).toEqual(a.forecast(2));
    expect(() => Ewma.fromJSON({ ...a.toJSON(), alpha: 2 })).toThrow(/not a stored EWMA: alpha/);
    expect(() => Ewma.fromJSON("x")).toThrow(/not a stored EWMA/);
  });

  it("rejects bad settings and input", () => {
    expect(() => new Ewma({})).toThrow(/exactly one of alpha or halfLife/);
    expect(() => new Ewma({ alpha: 0.5, halfLife: 2 })).toThrow(/exactly one/);
    expect(() => new Ewma({ alpha: 0 })).toThrow(/alpha must be in \(0, 1\]/);
    expect(() => new Ewma({ halfLife: -1 })).toThrow(/halfLife must be a positive/);
    expect(() => new Ewma({ alpha: 0.5 }).update(Number.NaN)).toThrow(/finite number, got NaN/);
    expect(() => Ewma.of([1], { alpha: 0.5 }).forecast(3)).toThrow(
      /at least 2 values to forecast, has 1/,
    );
    expect(() => Ewma.of([1, 2], { alpha: 0.5 }).forecast(0)).toThrow(
      /horizon must be a positive integer/,
    );
    expect(() => ewmaForecast([1, Number.POSITIVE_INFINITY], { alpha: 0.5, horizon: 2 })).toThrow(
      /series\[1\] is Infinity/,
    );
  });
});
