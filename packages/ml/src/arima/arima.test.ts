import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { ArimaModel } from "./arima.ts";
import { fitArima } from "./fit.ts";
import { simulateArima } from "./simulate.ts";

describe("ArimaModel.forecast", () => {
  const y = simulateArima({ ar: [0.8], mean: 10 }, 400, seededRandom(31));
  const m = fitArima(y, { p: 1, d: 0, q: 0 });

  it("AR(1): mean decays geometrically to μ, intervals widen to the unconditional spread", () => {
    const f = m.forecast(60);
    const phi = m.params.ar[0] ?? 0;
    const mu = m.params.mean;
    const last = y[y.length - 1] ?? 0;
    const s2 = m.params.sigma2;
    for (const h of [1, 2, 10, 60]) {
      expect(f.mean[h - 1]).toBeCloseTo(mu + phi ** h * (last - mu), 9);
      expect(f.se[h - 1]).toBeCloseTo(Math.sqrt((s2 * (1 - phi ** (2 * h))) / (1 - phi * phi)), 9);
    }
    for (let h = 1; h < 60; h++) expect(f.se[h]).toBeGreaterThan(f.se[h - 1] ?? 0);
    expect(Math.abs((f.mean[59] ?? 0) - mu)).toBeLessThan(1e-4);
    expect(f.upper[0]).toBeCloseTo((f.mean[0] ?? 0) + 1.959963984540054 * (f.se[0] ?? 0), 9);
    const f80 = m.forecast(3, { level: 0.8 });
    expect(f80.upper[0]).toBeCloseTo((f80.mean[0] ?? 0) + 1.2815515655446004 * (f80.se[0] ?? 0), 9);
    expect(f80.level).toBe(0.8);
  });

  it("random walk (d = 1): flat forecast from the last value, se = σ√h", () => {
    const walk = simulateArima({ d: 1, start: 100 }, 300, seededRandom(32));
    const rw = fitArima(walk, { p: 0, d: 1, q: 0 }, { trend: "n" });
    const f = rw.forecast(9);
    const last = walk[walk.length - 1] ?? 0;
    const sd = Math.sqrt(rw.params.sigma2);
    for (let h = 1; h <= 9; h++) {
      expect(f.mean[h - 1]).toBeCloseTo(last, 9);
      expect(f.se[h - 1]).toBeCloseTo(sd * Math.sqrt(h), 9);
    }
    const drift = fitArima(walk, { p: 0, d: 1, q: 0 });
    const g = drift.forecast(4);
    expect(g.mean[3]).toBeCloseTo(last + 4 * drift.params.mean, 9);
    expect(drift.params.mean).toBeCloseTo((last - (walk[0] ?? 0)) / (walk.length - 1), 9);
  });

  it("rejects a non-positive or fractional horizon and a bad level", () => {
    expect(() => m.forecast(0)).toThrow(/horizon must be a positive integer, got 0/);
    expect(() => m.forecast(-3)).toThrow(/got -3/);
    expect(() => m.forecast(2.5)).toThrow(/got 2.5/);
    expect(() => m.forecast(2, { level: 1.2 })).toThrow(/level must be in \(0, 1\)/);
  });
});

describe("ArimaModel.apply and extend", () => {
  const y = simulateArima(
    { ar: [0.5], ma: [0.4], d: 1, mean: 0.1, start: 50 },
    300,
    seededRandom(33),
  );
  const m = fitArima(y.slice(0, 280), { p: 1, d: 1, q: 1 });

  it("extend continues the filter exactly as filtering the whole series", () => {
    const extended = m.extend(y.slice(280));
    const applied = m.apply(y);
    expect(extended.n).toBe(300);
    expect(extended.logLikelihood).toBeCloseTo(applied.logLikelihood, 8);
    const a = extended.forecast(6);
    const b = applied.forecast(6);
    for (let i = 0; i < 6; i++) {
      expect(a.mean[i]).toBeCloseTo(b.mean[i] ?? 0, 8);
      expect(a.se[i]).toBeCloseTo(b.se[i] ?? 0, 8);
    }
    expect(extended.params).toEqual(m.params);
  });

  it("apply forecasts from the end of the new series with the stored parameters", () => {
    const tail = y.slice(200);
    const applied = m.apply(tail);
    expect(applied.n).toBe(100);
    expect(applied.state.levels).toEqual([y[299]]);
    // a long enough tail forgets the stationary start: same forecast as the whole history
    const whole = m.apply(y).forecast(3);
    const f = applied.forecast(3);
    for (let i = 0; i < 3; i++) expect(f.mean[i]).toBeCloseTo(whole.mean[i] ?? 0, 6);
    expect(() => m.apply([1])).toThrow(/needs at least 2 observations/);
    expect(() => m.apply([1, Number.NaN, 3])).toThrow(/series\[1\] is NaN/);
  });

  it("AR(1): the forecast depends on the last value only", () => {
    const z = simulateArima({ ar: [0.7], mean: 1 }, 200, seededRandom(34));
    const ar = fitArima(z, { p: 1, d: 0, q: 0 });
    const a = ar.forecast(4);
    const b = ar.apply(z.slice(-5)).forecast(4);
    for (let i = 0; i < 4; i++) {
      expect(b.mean[i]).toBeCloseTo(a.mean[i] ?? 0, 10);
      expect(b.se[i]).toBeCloseTo(a.se[i] ?? 0, 10);
    }
  });
});

describe("ArimaModel JSON", () => {
  const y = simulateArima({ ar: [0.3, 0.2], ma: [0.4], d: 1, start: 7 }, 200, seededRandom(35));
  const m = fitArima(y, { p: 2, d: 1, q: 1 });

  it("round-trips through JSON text with identical forecasts", () => {
    const text = JSON.stringify(m);
    const back = ArimaModel.fromJSON(JSON.parse(text));
    expect(back.toJSON()).toEqual(m.toJSON());
    expect(back.forecast(5)).toEqual(m.forecast(5));
    expect(back.aic).toBe(m.aic);
    const json = m.toJSON();
    expect(json).toMatchObject({
      kind: "arima",
      version: 1,
      order: { p: 2, d: 1, q: 1 },
      trend: "t",
      n: 200,
    });
    expect(json.state.levels).toEqual([y[199]]);
  });

  it("rejects malformed or inconsistent stored models", () => {
    const good = m.toJSON();
    expect(() => ArimaModel.fromJSON(null)).toThrow(/not a stored ARIMA model/);
    expect(() => ArimaModel.fromJSON({ ...good, kind: "forest" })).toThrow(/kind/);
    expect(() => ArimaModel.fromJSON({ ...good, version: 2 })).toThrow(/version/);
    expect(() => ArimaModel.fromJSON({ ...good, params: { ...good.params, ar: [0.5] } })).toThrow(
      /params.ar has 1 values, ARIMA\(2,1,1\) needs 2/,
    );
    expect(() => ArimaModel.fromJSON({ ...good, params: { ...good.params, sigma2: -1 } })).toThrow(
      /sigma2/,
    );
    expect(() =>
      ArimaModel.fromJSON({ ...good, params: { ...good.params, ar: [1.2, 0.1] } }),
    ).toThrow(/not stationary/);
    expect(() => ArimaModel.fromJSON({ ...good, params: { ...good.params, ma: [1.5] } })).toThrow(
      /not invertible/,
    );
    expect(() => ArimaModel.fromJSON({ ...good, trend: "c" })).toThrow(/needs d = 0/);
    expect(() => ArimaModel.fromJSON({ ...good, aic: good.aic - 5 })).toThrow(
      /aic\/bic do not match/,
    );
    expect(() => ArimaModel.fromJSON({ ...good, state: { ...good.state, levels: [] } })).toThrow(
      /state.levels/,
    );
  });
});
