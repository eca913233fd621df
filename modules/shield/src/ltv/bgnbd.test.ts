import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { cdnowFixture } from "../testing/index.ts";
import { type BgNbdFit, bgNbdLogLikelihood, fitBgNbd } from "./bgnbd.ts";
import type { RfmSummary } from "./rfm.ts";
import { parseSummaryCsv } from "./summary-csv.ts";

/** Fader, Hardie & Lee (2005) on CDNOW, as lifetimes and CLVTools reproduce it. */
const PUBLISHED = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
const PUBLISHED_LL = -9582.4;

let cdnow: RfmSummary;
let fit: BgNbdFit;
beforeAll(() => {
  cdnow = parseSummaryCsv(readFileSync(cdnowFixture("cdnow_customers_summary.csv"), "utf8"));
  fit = fitBgNbd(cdnow);
});

describe("fitBgNbd on CDNOW (2,357 customers, weeks)", () => {
  it("reproduces the published parameters to 0.5 % (to 0.05 % in fact)", () => {
    for (const [name, value] of Object.entries(PUBLISHED)) {
      const got = fit.params[name as keyof typeof PUBLISHED];
      expect(Math.abs(got / value - 1), `${name} ${got}`).toBeLessThan(0.0005);
    }
  });

  it("reports the log-likelihood summed over the customers, as the paper (−9582.4)", () => {
    expect(fit.customers).toBe(2357);
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED_LL, 1);
    // lifetimes minimises the mean per customer: −4.0655 here.
    expect(fit.logLikelihood / fit.customers).toBeCloseTo(-4.0655, 4);
  });

  it("is the maximum: moving any parameter by 1 % lowers the log-likelihood", () => {
    const best = bgNbdLogLikelihood(fit.params, cdnow);
    expect(best).toBe(fit.logLikelihood);
    for (const name of ["r", "alpha", "a", "b"] as const)
      for (const f of [0.99, 1.01])
        expect(
          bgNbdLogLikelihood({ ...fit.params, [name]: fit.params[name] * f }, cdnow),
        ).toBeLessThan(best);
  });

  it("shrinks the parameters with an L2 penalty, as lifetimes' penalizer_coef", () => {
    const penalised = fitBgNbd(cdnow, { l2Penalty: 0.1 }).params;
    for (const name of ["r", "alpha", "a", "b"] as const)
      expect(penalised[name]).toBeLessThan(fit.params[name]);
  });

  it("refuses an empty cohort", () => {
    expect(() =>
      fitBgNbd({
        ids: [],
        frequency: new Float64Array(),
        recency: new Float64Array(),
        T: new Float64Array(),
      }),
    ).toThrow("BG/NBD: no customers to fit");
  });
});
