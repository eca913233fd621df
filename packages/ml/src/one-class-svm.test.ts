import { AppError, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import type { Matrix } from "./matrix.ts";
import { OneClassSvm } from "./one-class-svm.ts";

function gaussianCloud(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { rows, cols, data };
}

// Golden values computed once with scikit-learn 1.2.1 (Debian /usr/bin/python3):
//   mu, sd = X.mean(0), X.std(0); Z = (X - mu) / sd; g = 1 / (2 * Z.var())
//   m = OneClassSVM(nu=0.2, gamma=g, tol=1e-6).fit(Z); m.decision_function((Q - mu) / sd)
// biome-ignore format: a data table
const GOLDEN_X = [
  [5.5, -2.41], [5.65, 2.57], [4.77, -2.7], [6.58, 0.3], [4.53, -0.37], [4.54, -3.4],
  [5.24, -7.74], [3.28, -3.69], [3.99, -1.06], [4.09, -6.24], [6.47, -2.68], [5.07, -6.27],
  [4.46, -1.67], [3.85, -0.87], [4.4, -2.88], [4.4, 3.56], [4.99, -5.17], [5.82, -5.66],
  [5.21, -7.88], [3.67, -1.41], [5.74, -1.49], [4.88, -2.9], [3.52, -4.16], [4.54, 1.17],
  [5.34, -7.29], [5.32, -3.16], [4.32, -0.16], [6.03, 0.79], [9.5, 6.0], [0.5, -11.0],
];
const GOLDEN_Q = [
  [5, -2],
  [6, 0],
  [9.5, 6.0],
  [2, -8],
  [20, 20],
];
const GOLDEN_DECISION = [
  0.17603722261133492, 0.12992024558127158, -0.26675057086542897, -0.5130480269262331,
  -1.292948352044203,
];
const GOLDEN_RHO = 1.2929483520442038;
const GOLDEN_GAMMA = 0.5;
const GOLDEN_SUPPORT_VECTORS = 7;

describe("OneClassSvm", () => {
  const cloud = gaussianCloud(400, 3, 11);

  it("is positive inside the training cloud and negative far outside", () => {
    const model = OneClassSvm.fit(cloud);
    // Points at typical radii. (With a small ν in few dimensions the exact centre can sit near or
    // just below the boundary, an RBF one-class SVM trait that scikit-learn shows on this data too.)
    expect(model.decisionOne([1, 0, 0])).toBeGreaterThan(0.1);
    expect(model.decisionOne([0.7, 0.7, 0])).toBeGreaterThan(0.1);
    expect(model.decisionOne([-1, 0.5, -0.5])).toBeGreaterThan(0.05);
    expect(model.decisionOne([6, -6, 6])).toBeLessThan(0);
    // No kernel mass at all far away: the decision bottoms out at −ρ.
    expect(model.decisionOne([60, 60, 60])).toBeCloseTo(-model.rho, 12);
  });

  it.each([0.05, 0.1, 0.3])("holds the ν-property for ν = %s", (nu) => {
    const model = OneClassSvm.fit(cloud, { nu });
    const decisions = model.decisionFunction(cloud);
    const n = cloud.rows;
    const outside = decisions.filter((d) => d < 0).length / n;
    const clearlyOutside = decisions.filter((d) => d < -1e-3).length / n;
    expect(model.training.outlierFraction).toBeCloseTo(outside, 12);
    expect(Math.abs(outside - nu)).toBeLessThan(0.02);
    expect(clearlyOutside).toBeLessThanOrEqual(nu);
    expect(model.training.boundedSupportVectors / n).toBeLessThanOrEqual(nu + 1e-12);
    expect(model.training.supportVectors / n).toBeGreaterThanOrEqual(nu - 1e-12);
  });

  it("matches scikit-learn's decision function (golden values)", () => {
    const tight = OneClassSvm.fit(GOLDEN_X, { nu: 0.2, tol: 1e-6 });
    expect(tight.gamma).toBeCloseTo(GOLDEN_GAMMA, 12);
    expect(tight.rho).toBeCloseTo(GOLDEN_RHO, 5);
    expect(tight.training.supportVectors).toBe(GOLDEN_SUPPORT_VECTORS);
    const ours = tight.decisionFunction(GOLDEN_Q);
    for (const [i, d] of GOLDEN_DECISION.entries()) expect(ours[i]).toBeCloseTo(d, 5);
    const atDefaultTol = OneClassSvm.fit(GOLDEN_X, { nu: 0.2 }).decisionFunction(GOLDEN_Q);
    for (const [i, d] of GOLDEN_DECISION.entries()) {
      expect(Math.abs((atDefaultTol[i] as number) - d)).toBeLessThan(1e-3);
    }
    const samples = tight.scoreSamples(GOLDEN_Q);
    expect((samples[0] as number) - tight.rho).toBeCloseTo(ours[0] as number, 12);
  });

  it("standardises inside the model: rescaling a column changes nothing", () => {
    const scaled = { ...cloud, data: cloud.data.map((v, k) => (k % 3 === 1 ? v * 1000 + 5 : v)) };
    const a = OneClassSvm.fit(cloud).decisionOne([0.5, 0.5, -1]);
    const b = OneClassSvm.fit(scaled).decisionOne([0.5, 500 + 5, -1]);
    expect(b).toBeCloseTo(a, 6);
  });

  it("caps training rows with a seeded subsample", () => {
    const a = OneClassSvm.fit(cloud, { maxTrainRows: 100, seed: 3 });
    const b = OneClassSvm.fit(cloud, { maxTrainRows: 100, seed: 3 });
    const c = OneClassSvm.fit(cloud, { maxTrainRows: 100, seed: 4 });
    expect(a.training).toMatchObject({ rows: 100, inputRows: 400 });
    expect(a.decisionOne([1, 1, 1])).toBe(b.decisionOne([1, 1, 1]));
    expect(a.decisionOne([1, 1, 1])).not.toBe(c.decisionOne([1, 1, 1]));
  });

  it("round-trips through JSON with identical decisions", () => {
    const model = OneClassSvm.fit(cloud, { featureNames: ["a", "b", "c"] });
    const json = model.toJSON();
    expect(json.supportVectors).toHaveLength(model.training.supportVectors);
    const back = OneClassSvm.fromJSON(JSON.parse(JSON.stringify(json)));
    const probe = gaussianCloud(50, 3, 99);
    expect(back.decisionFunction(probe)).toEqual(model.decisionFunction(probe));
    expect(back.featureNames).toEqual(["a", "b", "c"]);
  });

  it("rejects corrupted JSON", () => {
    const json = OneClassSvm.fit(cloud).toJSON();
    expect(() =>
      OneClassSvm.fromJSON({ ...json, coefficients: json.coefficients.slice(1) }),
    ).toThrow(/array lengths/);
    expect(() => OneClassSvm.fromJSON({ ...json, rho: "x" })).toThrow(AppError);
    expect(() => OneClassSvm.fromJSON({ ...json, std: json.std.map(() => 0) })).toThrow(/positive/);
  });

  it("rejects bad input and options", () => {
    const model = OneClassSvm.fit(cloud);
    expect(() => model.decisionFunction([[1, 2]])).toThrow(/2 columns, expected 3/);
    expect(() => model.decisionOne([1, Number.NaN, 3])).toThrow(/column 1 is NaN/);
    expect(() =>
      OneClassSvm.fit([
        [1, 2],
        [3, Number.POSITIVE_INFINITY],
      ]),
    ).toThrow(/row 1, column 1/);
    expect(() => OneClassSvm.fit(cloud, { nu: 0 })).toThrow(/nu must be in \(0, 1\]/);
    expect(() => OneClassSvm.fit(cloud, { gamma: -1 })).toThrow(/gamma/);
  });
});
