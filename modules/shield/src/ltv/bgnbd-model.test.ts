import { readFileSync } from "node:fs";
import hyp2f1 from "@stdlib/math-base-special-hyp2f1";
import { beforeAll, describe, expect, it } from "vitest";
import { cdnowFixture } from "../testing/index.ts";
import { type BgNbdParams, fitBgNbd } from "./bgnbd.ts";
import { BgNbdModel, gauss2f1 } from "./bgnbd-model.ts";
import type { RfmSummary } from "./rfm.ts";
import { parseSummaryCsv } from "./summary-csv.ts";

let cdnow: RfmSummary;
let model: BgNbdModel;
beforeAll(() => {
  cdnow = parseSummaryCsv(readFileSync(cdnowFixture("cdnow_customers_summary.csv"), "utf8"));
  model = new BgNbdModel(fitBgNbd(cdnow).params);
});

/**
 * P(alive) and E[Y(t)] by an independent route: the integral over λ done in closed form, the one
 * over the drop-out probability p ~ Beta(a, b) numerically (no hypergeometric function). Given
 * λ and p, the likelihood of (x, t_x, T) is (1−p)^x λ^x e^{−λT} (alive at T) plus, for x > 0,
 * p (1−p)^{x−1} λ^x e^{−λ t_x} (dropped out after the last purchase); an alive customer makes
 * (1 − e^{−λpt}) / p purchases in the next t on average. Substituting p = u^{1/a} removes the
 * p^{a−1} singularity of the Beta density; the midpoint rule then integrates over u ∈ (0, 1).
 */
function byIntegration(
  { r, alpha, a, b }: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
) {
  const steps = 20_000;
  let alive = 0;
  let dead = 0;
  let purchases = 0;
  for (let k = 0; k < steps; k++) {
    const p = ((k + 0.5) / steps) ** (1 / a);
    // p^{a−1} dp = du / a: the common factors (1/a, Γ(r+x)α^r/Γ(r), B(a,b)) cancel in the ratios.
    const w = (1 - p) ** (b - 1);
    alive += w * (1 - p) ** x * (alpha + T) ** -(r + x);
    if (x > 0) dead += w * p * (1 - p) ** (x - 1) * (alpha + tx) ** -(r + x);
    purchases +=
      (w * (1 - p) ** x * ((alpha + T) ** -(r + x) - (alpha + T + p * t) ** -(r + x))) / p;
  }
  return { alive: alive / (alive + dead), purchases: purchases / (alive + dead) };
}

describe("BgNbdModel on the CDNOW fit", () => {
  it("predicts lifetimes' documented top five expected purchases in the next week", () => {
    // docs/Quickstart.md: ID, frequency, recency, T, predicted purchases with t = 1.
    const documented = [
      [509, 18, 35.14, 35.86, 0.424877],
      [841, 19, 34.0, 34.14, 0.474738],
      [1981, 17, 28.43, 28.86, 0.486526],
      [157, 29, 37.71, 38.0, 0.662396],
      [1516, 26, 30.86, 31.0, 0.710623],
    ] as const;
    for (const [id, x, tx, T, expected] of documented) {
      expect(cdnow.ids[id - 1]).toBe(String(id));
      expect(Math.abs(model.expectedPurchases(1, x, tx, T) / expected - 1), `${id}`).toBeLessThan(
        1e-5,
      );
    }
    const week = model.expectedPurchasesBatch(1, cdnow);
    const top = [...week.keys()].sort((i, j) => (week[j] as number) - (week[i] as number));
    expect(top.slice(0, 5).map((i) => cdnow.ids[i])).toEqual(["1516", "157", "1981", "841", "509"]);
  });

  it("matches Hardie's spreadsheet: E[Y(39) | x 2, t_x 30.43, T 38.86] = 1.226", () => {
    expect(model.expectedPurchases(39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it("agrees with numerical integration for P(alive) and E[Y(t)], short and long horizons", () => {
    const customers = [
      [0, 0, 38.86],
      [1, 1.71, 38.86],
      [2, 30.43, 38.86],
      [7, 29.43, 38.86],
      [26, 30.86, 31.0],
    ] as const;
    for (const [x, tx, T] of customers)
      for (const t of [1, 39, 520]) {
        const want = byIntegration(model.params, t, x, tx, T);
        expect(model.probabilityAlive(x, tx, T)).toBeCloseTo(want.alive, 7);
        const got = model.expectedPurchases(t, x, tx, T);
        expect(Math.abs(got / want.purchases - 1), `x ${x} t ${t}`).toBeLessThan(1e-6);
      }
  });

  it("says a customer without repeat purchases is alive, and one long silent likely not", () => {
    expect(model.probabilityAlive(0, 0, 38.86)).toBe(1);
    expect(model.probabilityAlive(10, 2, 38.86)).toBeLessThan(0.01);
    expect(model.probabilityAlive(10, 38.86, 38.86)).toBeGreaterThan(0.9);
    const batch = model.probabilityAliveBatch(cdnow);
    expect(batch.every((v) => v > 0 && v <= 1)).toBe(true);
  });

  it("expects nothing in no time, and more the longer the horizon", () => {
    expect(model.expectedPurchases(0, 2, 30.43, 38.86)).toBe(0);
    let before = 0;
    for (const t of [1, 4, 13, 52, 520]) {
      const e = model.expectedPurchases(t, 2, 30.43, 38.86);
      expect(e).toBeGreaterThan(before);
      before = e;
    }
  });

  it("writes the batch into the array it is given", () => {
    const out = new Float64Array(cdnow.ids.length);
    expect(model.expectedPurchasesBatch(39, cdnow, out)).toBe(out);
    expect(out[0]).toBe(model.expectedPurchases(39, 2, 30.43, 38.86));
  });
});

describe("gauss2f1", () => {
  it("matches 2F1 to 30 digits (mpmath) where it sums the series", () => {
    // mpmath.hyp2f1 at 30 significant digits (mp.dps = 30), as the nearest doubles.
    for (const [p, q, c, z, want] of [
      [2.976, -0.207, 0.3, 0.3, 0.020995697797774174],
      [2.976, -0.207, 5.2, 0.57, 0.9193671107026703],
      [2.976, -0.207, 2.2, 0.7499, 0.595911126910108],
      [7, 3.25, 41, 0.74, 1.5788288109526512],
      [0.5, 1.5, 2.2, 0.05, 1.0175628564532726],
    ] as const)
      expect(Math.abs(gauss2f1(p, q, c, z) - want) / want).toBeLessThan(1e-14);
    // A polynomial (q a non-positive integer) ends exactly: 2F1(2, −2; 1; z) = 1 − 4z + 3z².
    expect(gauss2f1(2, -2, 1, 0.5)).toBe(1 - 2 + 0.75);
  });

  it("equals Cephes' 2F1 on both sides of where it stops summing the series", () => {
    let worst = 0;
    for (const [p, q] of [
      [2.976, -0.207],
      [0.5, 1.5],
      [7, 3.25],
    ] as const)
      for (const c of [0.3, 2.2, 5.2, 41])
        for (const z of [0, 1e-6, 0.05, 0.3, 0.57, 0.74, 0.7499, 0.75, 0.9, 0.99]) {
          const want = hyp2f1(p, q, c, z);
          worst = Math.max(worst, Math.abs(gauss2f1(p, q, c, z) - want) / Math.abs(want));
        }
    // Cephes is itself off by 2.4e-14 at (2.976, −0.207; 0.3; 0.3), where the series is 5e-15.
    expect(worst).toBeLessThan(5e-14);
  });
});
