import { AppError, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { fitArima } from "./fit.ts";
import { simulateArima } from "./simulate.ts";

describe("fitArima: parameter recovery on seeded simulations (n = 1000)", () => {
  it("recovers AR(1) with a constant", () => {
    const y = simulateArima({ ar: [0.7], mean: 3, sigma2: 2 }, 1000, seededRandom(21));
    const m = fitArima(y, { p: 1, d: 0, q: 0 });
    expect(m.converged).toBe(true);
    expect(m.params.ar[0]).toBeCloseTo(0.7, 1); // se ≈ 0.023
    expect(Math.abs(m.params.mean - 3)).toBeLessThan(0.3); // se ≈ 0.15
    expect(m.params.sigma2 / 2).toBeGreaterThan(0.9);
    expect(m.params.sigma2 / 2).toBeLessThan(1.1);
  });

  it("recovers MA(1) with its sign (1 + θB convention)", () => {
    const y = simulateArima({ ma: [-0.5] }, 1000, seededRandom(22));
    const m = fitArima(y, { p: 0, d: 0, q: 1 }, { trend: "n" });
    expect(Math.abs((m.params.ma[0] ?? 0) + 0.5)).toBeLessThan(0.08); // se ≈ 0.027
    expect(m.params.mean).toBe(0);
  });

  it("recovers ARMA(1,1)", () => {
    const y = simulateArima({ ar: [0.6], ma: [0.3], mean: -2 }, 1000, seededRandom(23));
    const m = fitArima(y, { p: 1, d: 0, q: 1 });
    expect(Math.abs((m.params.ar[0] ?? 0) - 0.6)).toBeLessThan(0.1); // se ≈ 0.03
    expect(Math.abs((m.params.ma[0] ?? 0) - 0.3)).toBeLessThan(0.1); // se ≈ 0.036
    expect(m.iterations).toBeGreaterThan(0);
  });

  it("recovers the drift of an ARIMA(1,1,0)", () => {
    const y = simulateArima({ ar: [0.4], d: 1, mean: 0.5, start: 100 }, 1000, seededRandom(24));
    const m = fitArima(y, { p: 1, d: 1, q: 0 });
    expect(m.trend).toBe("t");
    expect(Math.abs((m.params.ar[0] ?? 0) - 0.4)).toBeLessThan(0.1);
    expect(Math.abs(m.params.mean - 0.5)).toBeLessThan(0.15); // se ≈ 0.053
  });
});

describe("fitArima against statsmodels 0.13.5", () => {
  // Series from simulateArima below; statsmodels values from
  // ARIMA(np.array(series), order, trend).fit(method_kwargs={"maxiter": 1000}) and
  // get_forecast(5) (predicted_mean, se_mean), run once with /usr/bin/python3.
  it("ARIMA(1,0,1) with constant: same MLE, criteria and forecasts", () => {
    const y = simulateArima({ ar: [0.6], ma: [0.3], mean: 5 }, 300, seededRandom(11));
    const m = fitArima(y, { p: 1, d: 0, q: 1 });
    expect(m.params.mean).toBeCloseTo(5.0611722946820255, 3);
    expect(m.params.ar[0]).toBeCloseTo(0.5502229356974658, 3);
    expect(m.params.ma[0]).toBeCloseTo(0.3597635463565876, 3);
    expect(m.params.sigma2).toBeCloseTo(1.049047369181152, 3);
    expect(m.logLikelihood).toBeCloseTo(-433.2963513361125, 5);
    expect(m.aic).toBeCloseTo(874.592702672225, 4);
    expect(m.aicc).toBeCloseTo(874.7282958925639, 4);
    expect(m.bic).toBeCloseTo(889.4078325708498, 4);
    const f = m.forecast(5);
    const smMean = [
      3.890411653045499, 4.416992937441727, 4.706730037625562, 4.8661500354691825,
      4.953866574691583,
    ];
    const smSe = [
      1.0242301348726037, 1.3848240633503994, 1.4767293519353901, 1.503445753164513,
      1.5114408942288284,
    ];
    for (const [i, v] of smMean.entries()) expect(f.mean[i]).toBeCloseTo(v, 3);
    for (const [i, v] of smSe.entries()) expect(f.se[i]).toBeCloseTo(v, 3);
  });

  it("ARIMA(1,1,1) with drift: criteria counted on n − d observations", () => {
    const y = simulateArima(
      { ar: [0.5], ma: [-0.3], mean: 0.2, d: 1, start: 100 },
      200,
      seededRandom(12),
    );
    const m = fitArima(y, { p: 1, d: 1, q: 1 });
    expect(m.nobsEffective).toBe(199);
    expect(m.params.mean).toBeCloseTo(0.178045987742066, 3);
    expect(m.params.ar[0]).toBeCloseTo(0.8212861448004823, 3);
    expect(m.params.ma[0]).toBeCloseTo(-0.7097293583553722, 3);
    expect(m.logLikelihood).toBeCloseTo(-282.91625951482615, 3);
    expect(m.aicc).toBeCloseTo(574.0387045966626, 3);
    expect(m.bic).toBeCloseTo(587.0057383285503, 3);
    const f = m.forecast(5);
    const smMean = [
      137.8390337771519, 138.17963469897595, 138.4911848018485, 138.7788758696211,
      139.04697184243776,
    ];
    const smSe = [
      1.0025683979651667, 1.4990186271292347, 1.9240938334805575, 2.3119059000028623,
      2.6740123328978678,
    ];
    for (const [i, v] of smMean.entries()) expect(f.mean[i]).toBeCloseTo(v, 3);
    for (const [i, v] of smSe.entries()) expect(f.se[i]).toBeCloseTo(v, 3);
  });

  it("ARIMA(0,2,1): forecasts integrated twice", () => {
    const y = simulateArima({ ma: [-0.5], d: 2 }, 150, seededRandom(13));
    const m = fitArima(y, { p: 0, d: 2, q: 1 });
    expect(m.trend).toBe("n");
    expect(m.params.ma[0]).toBeCloseTo(-0.3787205425165525, 4);
    expect(m.params.sigma2).toBeCloseTo(0.8606004033819851, 4);
    const f = m.forecast(5);
    const smMean = [
      578.1020664454645, 583.6485269104274, 589.1949873753904, 594.7414478403533, 600.2879083053163,
    ];
    const smSe = [
      0.9276855089079811, 1.7671245231514683, 2.72960604674653, 3.8090712534097464,
      4.996190163459956,
    ];
    for (const [i, v] of smMean.entries()) expect(f.mean[i]).toBeCloseTo(v, 3);
    for (const [i, v] of smSe.entries()) expect(f.se[i]).toBeCloseTo(v, 3);
  });
});

describe("fitArima: bad input", () => {
  const y = simulateArima({ ar: [0.5] }, 50, seededRandom(5));
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err instanceof AppError ? err.code : "not an AppError";
    }
    return "no error";
  };

  it("names the index of a NaN or infinite value", () => {
    const bad = [...y];
    bad[7] = Number.NaN;
    expect(() => fitArima(bad, { p: 1, d: 0, q: 0 })).toThrow(/series\[7\] is NaN/);
    bad[7] = Number.POSITIVE_INFINITY;
    expect(() => fitArima(bad, { p: 1, d: 0, q: 0 })).toThrow(/series\[7\] is Infinity/);
    expect(code(() => fitArima(bad, { p: 1, d: 0, q: 0 }))).toBe("invalid_input");
  });

  it("says how many observations the order needs", () => {
    expect(() => fitArima(y.slice(0, 9), { p: 1, d: 1, q: 1 })).toThrow(
      /ARIMA\(1,1,1\) with drift needs at least 10 observations .* got 9/,
    );
    expect(() => fitArima(y.slice(0, 10), { p: 1, d: 1, q: 1 })).not.toThrow();
  });

  it("rejects constant series, also after differencing", () => {
    expect(() => fitArima(new Array(30).fill(4), { p: 1, d: 0, q: 0 })).toThrow(
      /series is constant/,
    );
    const line = Array.from({ length: 30 }, (_, i) => 2 * i);
    expect(() => fitArima(line, { p: 0, d: 1, q: 0 })).toThrow(
      /differenced 1 time\(s\) is constant/,
    );
    expect(code(() => fitArima(line, { p: 0, d: 1, q: 0 }))).toBe("invalid_input");
  });

  it("rejects bad orders and trends that differencing would remove", () => {
    expect(() => fitArima(y, { p: -1, d: 0, q: 0 })).toThrow(
      /order.p must be an integer from 0 to 10/,
    );
    expect(() => fitArima(y, { p: 0, d: 3, q: 0 })).toThrow(/order.d must be 0, 1 or 2/);
    expect(() => fitArima(y, { p: 0, d: 0, q: 1.5 })).toThrow(/order.q/);
    expect(() => fitArima(y, { p: 1, d: 1, q: 0 }, { trend: "c" })).toThrow(
      /trend "c" .* needs d = 0/,
    );
    expect(() => fitArima(y, { p: 1, d: 0, q: 0 }, { trend: "t" })).toThrow(
      /trend "t" .* needs d = 1/,
    );
  });

  it("reports an optimiser stopped by its iteration cap instead of hiding it", () => {
    const z = simulateArima({ ar: [0.6], ma: [0.3] }, 300, seededRandom(6));
    const m = fitArima(z, { p: 1, d: 0, q: 1 }, { maxIterations: 1 });
    expect(m.converged).toBe(false);
    expect(m.iterations).toBe(1);
    expect(fitArima(z, { p: 1, d: 0, q: 1 }).converged).toBe(true);
  });
});
