import { beforeAll, describe, expect, it } from "vitest";
import { cdnowSummary } from "../testing/index.ts";
import {
  fitGammaGamma,
  type GammaGammaFit,
  GammaGammaModel,
  gammaGammaLogLikelihood,
  type SpendColumns,
} from "./gamma-gamma.ts";

/** lifetimes' documented fit on CDNOW's 946 repeat buyers (docs/Quickstart.md). */
const LIFETIMES = { p: 6.25, q: 3.74, v: 15.45 };

let spend: SpendColumns;
let fit: GammaGammaFit;
beforeAll(() => {
  const s = cdnowSummary();
  spend = { frequency: s.frequency, monetaryValue: s.monetaryValue as Float64Array };
  fit = fitGammaGamma(spend);
});

describe("fitGammaGamma on CDNOW's repeat buyers", () => {
  it("reproduces lifetimes' documented parameters to 0.5 %", () => {
    expect(fit.customers).toBe(946);
    for (const [name, value] of Object.entries(LIFETIMES)) {
      const got = fit.params[name as keyof typeof LIFETIMES];
      expect(Math.abs(got / value - 1), `${name} ${got}`).toBeLessThan(0.005);
    }
    // scipy's Nelder-Mead on the same file, to more digits: p 6.2488, q 3.7446, v 15.4477,
    // LL −4055.92 (CLVTools asserts p 6.25, q 3.74, γ 15.44, LL −4055.9177).
    expect(fit.params.p).toBeCloseTo(6.2488, 3);
    expect(fit.params.q).toBeCloseTo(3.7446, 3);
    expect(fit.params.v).toBeCloseTo(15.4477, 2);
    expect(fit.logLikelihood).toBeCloseTo(-4055.92, 1);
  });

  it("skips customers without repeat purchases, whose spend tells nothing", () => {
    const repeatOnly = {
      frequency: spend.frequency.filter((x) => x > 0),
      monetaryValue: spend.monetaryValue.filter((_, i) => (spend.frequency[i] as number) > 0),
    };
    expect(gammaGammaLogLikelihood(fit.params, repeatOnly)).toBeCloseTo(fit.logLikelihood, 9);
  });

  it("refuses data with no repeat buyer, or a repeat buyer without spend", () => {
    const one = (x: number, m: number) => ({
      frequency: Float64Array.of(x),
      monetaryValue: Float64Array.of(m),
    });
    expect(() => fitGammaGamma(one(0, 0))).toThrow("no repeat buyer");
    expect(() => fitGammaGamma(one(2, 0))).toThrow("the customer at index 0");
  });
});

describe("GammaGammaModel.expectedAverageSpend", () => {
  it("gives lifetimes' documented conditional expected average profit of the first CDNOW customers", () => {
    const model = new GammaGammaModel(fit.params);
    // docs/Quickstart.md: customers 1, 2, 3 (no repeat: the population mean), 6 and 9.
    const documented = [24.658619, 18.911489, 35.170981, 71.462843, 27.282408];
    const got = [0, 1, 2, 5, 8].map((i) =>
      model.expectedAverageSpend(spend.frequency[i] as number, spend.monetaryValue[i] as number),
    );
    for (const [k, value] of documented.entries())
      expect(Math.abs((got[k] as number) / value - 1)).toBeLessThan(1e-5);
    const all = model.expectedAverageSpendBatch(spend);
    expect(all.reduce((s, v) => s + v, 0) / all.length).toBeCloseTo(35.2529588256, 4);
    expect(model.populationMean).toBe(all[2]);
  });

  it("refuses q ≤ 1, where the mean spend is infinite", () => {
    expect(() => new GammaGammaModel({ p: 1, q: 1, v: 1 })).toThrow(RangeError);
  });
});
