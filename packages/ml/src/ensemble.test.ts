import { AppError, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import {
  AnomalyEnsemble,
  calibrate,
  calibratedConfidence,
  combineVerdicts,
  type EnsembleSeverity,
  ensembleSeverity,
  ensembleWeights,
  type MemberVerdict,
} from "./ensemble.ts";
import type { Matrix } from "./matrix.ts";

function gaussian(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { rows, cols, data };
}

/** 400 rows × 4: 90% around 0, 10% (every 10th row) shifted by +3: the labelled anomalies. */
function labelled(): { x: Matrix; labels: boolean[] } {
  const x = gaussian(400, 4, 21);
  const labels = Array.from({ length: x.rows }, (_, i) => i % 10 === 0);
  const data = x.data.map((v, k) => (labels[Math.floor(k / 4)] ? v + 3 : v));
  return { x: { ...x, data }, labels };
}

const member = (vote: boolean, confidence: number): MemberVerdict => ({
  score: 0,
  vote,
  confidence,
});

describe("ensembleSeverity", () => {
  it.each<[number, number, number, EnsembleSeverity]>([
    [0.81, 3, 3, "critical"],
    [0.8, 3, 3, "high"], // confidence must exceed 0.8
    [0.99, 2, 3, "high"], // not everyone agrees
    [0.61, 2, 3, "high"],
    [0.6, 2, 3, "medium"],
    [0.99, 1, 3, "medium"],
    [0.41, 1, 3, "medium"],
    [0.4, 1, 3, null],
    [0.95, 0, 3, null], // high confidence but no member votes anomalous
    [0.81, 2, 2, "critical"], // without the forest, all = 2
    [0.7, 2, 2, "high"],
    [0.7, 1, 2, "medium"],
    [0.3, 2, 2, null],
  ])("confidence %s with %s of %s votes is %s", (confidence, anomalous, of, expected) => {
    expect(ensembleSeverity(confidence, anomalous, of)).toBe(expected);
  });
});

describe("combineVerdicts", () => {
  it("weights 0.4 / 0.3 / 0.3 with the forest and counts agreement", () => {
    const v = combineVerdicts(
      { iforest: member(true, 1), ocsvm: member(false, 0), rf: member(true, 0.5) },
      ensembleWeights(true),
    );
    expect(v.confidence).toBeCloseTo(0.4 + 0.15, 12);
    expect(v.agreement).toEqual({ anomalous: 2, of: 3 });
    expect(v.severity).toBe("medium");
  });

  it("renormalises to 4/7 and 3/7 without the forest", () => {
    expect(ensembleWeights(false).iforest).toBeCloseTo(4 / 7, 12);
    expect(ensembleWeights(false).ocsvm).toBeCloseTo(3 / 7, 12);
    const v = combineVerdicts(
      { iforest: member(true, 1), ocsvm: member(true, 0.6) },
      ensembleWeights(false),
    );
    expect(v.confidence).toBeCloseTo((0.4 + 0.18) / 0.7, 12);
    expect(v.agreement).toEqual({ anomalous: 2, of: 2 });
    expect(v.severity).toBe("critical");
  });
});

describe("calibration", () => {
  it("gives 0.5 at the threshold, 0.1 at the training median, and rises monotonically", () => {
    const scores = Float64Array.from({ length: 101 }, (_, i) => i / 100);
    const c = calibrate(scores, 0.9);
    expect(calibratedConfidence(0.9, c)).toBeCloseTo(0.5, 12);
    expect(calibratedConfidence(0.5, c)).toBeCloseTo(0.1, 12);
    expect(calibratedConfidence(1.3, c)).toBeCloseTo(0.9, 12);
    let last = -1;
    for (let m = -1; m <= 2; m += 0.05) {
      const conf = calibratedConfidence(m, c);
      expect(conf).toBeGreaterThanOrEqual(last);
      last = conf;
    }
  });

  it("falls back to the score spread when the median is not below the threshold", () => {
    const c = calibrate(Float64Array.from([1, 2, 3, 4, 5]), 2);
    expect(c.scale).toBeCloseTo(2 / 1.349, 12);
    expect(calibratedConfidence(2, c)).toBeCloseTo(0.5, 12);
  });
});

describe("AnomalyEnsemble", () => {
  const cloud = gaussian(400, 4, 5);
  const unlabelled = AnomalyEnsemble.fit(cloud, { seed: 3 });

  it("trains IF and OCSVM only without labels, with renormalised weights", () => {
    expect(unlabelled.rf).toBeNull();
    expect(unlabelled.rfSkipped).toBe("no labels");
    expect(unlabelled.weights).toEqual(ensembleWeights(false));
    const v = unlabelled.scoreOne([0.5, 0.5, 0.5, 0.5]);
    expect(v.members.rf).toBeUndefined();
    expect(v.agreement.of).toBe(2);
    const expected = (0.4 * v.members.iforest.confidence + 0.3 * v.members.ocsvm.confidence) / 0.7;
    expect(v.confidence).toBeCloseTo(expected, 12);
  });

  it("skips the forest when labels hold one class, or too few of one", () => {
    const none = AnomalyEnsemble.fit(cloud, { labels: new Array(400).fill(false) });
    expect(none.rf).toBeNull();
    expect(none.rfSkipped).toMatch(/0 anomalous and 400 normal rows/);
    const few = new Uint8Array(400);
    few.fill(1, 0, 9);
    expect(AnomalyEnsemble.fit(cloud, { labels: few }).rfSkipped).toMatch(/at least 10 of each/);
  });

  it("trains the forest with enough labels of each class and weighs it 0.3", () => {
    const { x, labels } = labelled();
    const e = AnomalyEnsemble.fit(x, { labels, seed: 1 });
    expect(e.rf).not.toBeNull();
    expect(e.rfSkipped).toBeNull();
    expect(e.weights).toEqual({ iforest: 0.4, ocsvm: 0.3, rf: 0.3 });
    const v = e.scoreOne([3, 3, 3, 3]);
    expect(v.agreement.of).toBe(3);
    expect(v.members.rf?.vote).toBe(true);
    expect(v.members.rf?.confidence).toBe(v.members.rf?.score);
  });

  it("calls a far outlier critical with every member agreeing, central rows not anomalous", () => {
    const far = unlabelled.scoreOne([9, -9, 9, -9]);
    expect(far.severity).toBe("critical");
    expect(far.agreement).toEqual({ anomalous: 2, of: 2 });
    expect(far.confidence).toBeGreaterThan(0.8);
    const { x, labels } = labelled();
    const supervised = AnomalyEnsemble.fit(x, { labels });
    const known = supervised.scoreOne([9, 9, 9, 9]); // far, on the side of the labelled anomalies
    expect(known.severity).toBe("critical");
    expect(known.agreement).toEqual({ anomalous: 3, of: 3 });
    // Far but unlike any labelled anomaly: the forest dissents, so at most "high".
    const novel = supervised.scoreOne([-9, -9, -9, -9]);
    expect(novel.members.rf?.vote).toBe(false);
    expect(novel.agreement).toEqual({ anomalous: 2, of: 3 });
    expect(novel.severity).toBe("high");
    const central = unlabelled.score([
      [0.8, 0, 0, 0],
      [0, -0.8, 0.3, 0],
      [0.5, 0.5, -0.5, 0.2],
    ]);
    expect(central).toHaveLength(3);
    for (const v of central) {
      expect(v.severity).toBeNull();
      expect(v.confidence).toBeLessThan(0.4);
    }
  });

  it("flags about the contamination share of its training rows", () => {
    const verdicts = unlabelled.score(cloud);
    const flagged = verdicts.filter((v) => v.severity !== null).length / cloud.rows;
    expect(flagged).toBeGreaterThan(0.05);
    expect(flagged).toBeLessThan(0.25);
  });

  it("rejects bad input", () => {
    expect(() => unlabelled.scoreOne([1, 2, 3])).toThrow(/3 values, expected 4/);
    expect(() => unlabelled.score([[1, 2, 3]])).toThrow(/3 columns, expected 4/);
    expect(() => unlabelled.score([[1, 2, Number.NaN, 4]])).toThrow(/row 0, column 2 is NaN/);
    expect(() => unlabelled.scoreOne([1, 2, Number.NaN, 4])).toThrow(AppError);
    expect(() => AnomalyEnsemble.fit(cloud, { labels: [true, false] })).toThrow(/2 labels for 400/);
    expect(() => AnomalyEnsemble.fit(cloud, { contamination: 0.7 })).toThrow(/contamination/);
    const bad = { ...cloud, data: cloud.data.map((v, k) => (k === 13 ? Number.NaN : v)) };
    expect(() => AnomalyEnsemble.fit(bad)).toThrow(/row 3, column 1 is NaN/);
  });

  it("round-trips through JSON with identical verdicts", () => {
    const { x, labels } = labelled();
    const e = AnomalyEnsemble.fit(x, { labels, featureNames: ["a", "b", "c", "d"] });
    const back = AnomalyEnsemble.fromJSON(JSON.parse(JSON.stringify(e)));
    const probe = gaussian(30, 4, 77);
    expect(back.score(probe)).toEqual(e.score(probe));
    expect(back.weights).toEqual(e.weights);
    const plain = AnomalyEnsemble.fromJSON(JSON.parse(JSON.stringify(unlabelled)));
    expect(plain.score(probe)).toEqual(unlabelled.score(probe));
  });

  it("rejects JSON whose weights do not match its members", () => {
    const json = unlabelled.toJSON();
    expect(() =>
      AnomalyEnsemble.fromJSON({ ...json, weights: { iforest: 0.4, ocsvm: 0.3 } }),
    ).toThrow(/weights must sum to 1/);
    expect(() => AnomalyEnsemble.fromJSON({ ...json, version: 2 })).toThrow(AppError);
  });
});
