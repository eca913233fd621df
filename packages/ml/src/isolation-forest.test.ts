import { readFileSync } from "node:fs";
import { AppError, seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { heightLimit } from "./isolation-forest/path-length.ts";
import {
  averagePathLength,
  IsolationForest,
  type IsolationForestState,
} from "./isolation-forest.ts";
import { type Matrix, toMatrix } from "./matrix.ts";
import { quantileSorted, rocAuc } from "./metrics.ts";

/** `rows` points of a standard Gaussian in `cols` dimensions. */
function gaussian(rows: number, cols: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: rows }, () => Array.from({ length: cols }, g));
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("invalid_input");
    return err as AppError;
  }
  throw new Error("expected an AppError");
}

const cluster = gaussian(300, 3, 1);
const fitted = IsolationForest.fit(cluster, { seed: 7, featureNames: ["a", "b", "c"] });

describe("averagePathLength (c(n))", () => {
  it("matches scikit-learn's _average_path_length", () => {
    // /usr/bin/python3: sklearn.ensemble._iforest._average_path_length([0, 1, 2, 3, 10, 256, 1000])
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(3)).toBeCloseTo(1.207392357589623, 12);
    expect(averagePathLength(10)).toBeCloseTo(3.748880484475505, 12);
    expect(averagePathLength(256)).toBeCloseTo(10.244770920119917, 12);
    expect(averagePathLength(1000)).toBeCloseTo(12.969940887100174, 12);
  });

  it("gives the height limit ceil(log2 ψ)", () => {
    expect([2, 3, 4, 5, 129, 256, 257].map(heightLimit)).toEqual([1, 2, 2, 3, 8, 8, 9]);
  });
});

describe("IsolationForest scores", () => {
  it("scores a far outlier above every cluster point, all scores in (0, 1]", () => {
    const rows = [...cluster, [8, -8, 8]];
    const model = IsolationForest.fit(rows, { seed: 1 });
    const s = model.score(rows);
    const outlier = s[300] as number;
    const clusterMax = Math.max(...s.subarray(0, 300));
    expect(outlier).toBeGreaterThan(clusterMax);
    expect(outlier).toBeGreaterThan(0.65);
    expect(quantileSorted(s.slice(0, 300).sort(), 0.5)).toBeLessThan(0.5);
    for (const v of s) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(model.predict([[8, -8, 8]])[0]).toBe(1);
    expect(model.predict([[0, 0, 0]])[0]).toBe(0);
  });

  it("scores one observation as the batch does", () => {
    const s = fitted.score(cluster);
    for (const i of [0, 17, 299]) expect(fitted.scoreOne(cluster[i] as number[])).toBe(s[i]);
    expect(fitted.scoreOne(new Float64Array(cluster[5] as number[]))).toBe(s[5]);
  });

  it("gives scikit-learn's score_samples and decision_function", () => {
    const s = fitted.score(cluster);
    const samples = fitted.scoreSamples(cluster);
    const decision = fitted.decisionFunction(cluster);
    const predicted = fitted.predict(cluster);
    expect(s).toHaveLength(cluster.length);
    for (let i = 0; i < s.length; i++) {
      expect(samples[i]).toBe(-(s[i] as number));
      expect(decision[i]).toBeCloseTo((samples[i] as number) + 0.5, 15);
      expect(predicted[i]).toBe((decision[i] as number) < 0 ? 1 : 0);
    }
  });

  it("is reproducible for a seed and differs between seeds", () => {
    const again = IsolationForest.fit(cluster, { seed: 7, featureNames: ["a", "b", "c"] });
    expect(again.toJSON()).toEqual(fitted.toJSON());
    expect(again.score(cluster)).toEqual(fitted.score(cluster));
    const other = IsolationForest.fit(cluster, { seed: 8, featureNames: ["a", "b", "c"] });
    expect(other.toJSON().trees[0]).not.toEqual(fitted.toJSON().trees[0]);
    expect(other.score(cluster)).not.toEqual(fitted.score(cluster));
  });

  it("uses every row when fewer than the sample size", () => {
    const small = IsolationForest.fit(gaussian(20, 2, 3), { sampleSize: 256 });
    expect(small.params).toEqual({ trees: 100, sampleSize: 20, contamination: "auto", seed: 0 });
    expect(fitted.params.sampleSize).toBe(256);
  });
});

describe("IsolationForest trees", () => {
  /** Leaves of every tree: depth and number of training rows (from path length = depth + c(n)). */
  function leaves(state: IsolationForestState): { depth: number; c: number }[] {
    const out: { depth: number; c: number }[] = [];
    for (const tree of state.trees) {
      const depth = new Array<number>(tree.feature.length).fill(0);
      tree.feature.forEach((f, k) => {
        const l = tree.left[k] as number;
        if (f >= 0) depth[l] = depth[l + 1] = (depth[k] as number) + 1;
        else
          out.push({
            depth: depth[k] as number,
            c: (tree.value[k] as number) - (depth[k] as number),
          });
      });
    }
    return out;
  }

  it("splits until one row or the height limit, never on a feature constant in the node", () => {
    // Feature 1 is 0 except in row 0: a node without row 0 must not split on it, and a
    // node with row 0 splits it off, so at most one split on feature 1 per tree. Rows are
    // distinct, so a leaf above the height limit holds exactly one row (c = 0).
    const rows = Array.from({ length: 64 }, (_, i) => [i * 0.37 - (i % 7), i === 0 ? 1 : 0]);
    const model = IsolationForest.fit(rows, { seed: 3 });
    const state = model.toJSON();
    const limit = heightLimit(64);
    let treesSplittingOnIt = 0;
    for (const tree of state.trees) {
      const n = tree.feature.filter((f) => f === 1).length;
      expect(n).toBeLessThanOrEqual(1);
      treesSplittingOnIt += n;
    }
    expect(treesSplittingOnIt).toBeGreaterThan(0);
    for (const leaf of leaves(state)) {
      expect(leaf.depth).toBeLessThanOrEqual(limit);
      if (leaf.depth < limit) expect(leaf.c).toBeCloseTo(0, 12);
    }
  });

  it("makes a leaf of a node whose rows are all identical", () => {
    const rows = [...Array.from({ length: 40 }, () => [1, 2]), [3, 4], [5, 1]];
    const model = IsolationForest.fit(rows, { seed: 2 });
    const depths = leaves(model.toJSON());
    // The 40 duplicates end in one leaf per tree: c(40) above its depth, and never split apart.
    expect(depths.filter((l) => Math.abs(l.c - averagePathLength(40)) < 1e-9)).toHaveLength(100);
    expect(model.score([[1, 2]])[0]).toBeLessThan(model.score([[3, 4]])[0] as number);
  });
});

describe("IsolationForest threshold", () => {
  it('is s > 0.5 with contamination "auto" (sklearn offset −0.5)', () => {
    expect(fitted.offset).toBe(-0.5);
    expect(fitted.threshold).toBe(0.5);
  });

  it("flags about the contamination share of the training rows", () => {
    const rows = gaussian(1000, 4, 5);
    const model = IsolationForest.fit(rows, { contamination: 0.1, seed: 4 });
    const s = model.score(rows);
    const flagged = model.predict(rows).reduce((n, v) => n + v, 0);
    expect(flagged).toBeGreaterThanOrEqual(95);
    expect(flagged).toBeLessThanOrEqual(101);
    // np.percentile(score_samples, 10) with linear interpolation, on −s.
    const negated = Float64Array.from(s, (v) => -v).sort();
    expect(model.offset).toBe(quantileSorted(negated, 0.1));
    expect(model.threshold).toBe(-model.offset);
    const decision = model.decisionFunction(rows);
    for (let i = 0; i < s.length; i++) {
      expect((decision[i] as number) < 0).toBe((s[i] as number) > model.threshold);
    }
  });

  it("summarises the training scores", () => {
    const sorted = fitted.score(cluster).sort();
    expect(fitted.trainingScores).toEqual({
      rows: 300,
      min: sorted[0],
      p50: quantileSorted(sorted, 0.5),
      p95: quantileSorted(sorted, 0.95),
      p99: quantileSorted(sorted, 0.99),
      max: sorted[299],
    });
  });
});

describe("IsolationForest JSON", () => {
  it("round-trips through JSON text and scores identically", () => {
    const text = JSON.stringify(fitted);
    const restored = IsolationForest.fromJSON(JSON.parse(text));
    expect(restored.score(cluster)).toEqual(fitted.score(cluster));
    expect(restored.scoreOne([0.1, 2, -3])).toBe(fitted.scoreOne([0.1, 2, -3]));
    expect(restored.toJSON()).toEqual(fitted.toJSON());
    expect(restored.featureNames).toEqual(["a", "b", "c"]);
    expect(restored.trainingScores).toEqual(fitted.trainingScores);
    expect(IsolationForest.fromJSON(text).score(cluster)).toEqual(fitted.score(cluster));
  });

  const state = () => JSON.parse(JSON.stringify(fitted)) as IsolationForestState;
  const bad = (mutate: (s: IsolationForestState) => void) => {
    const s = state();
    mutate(s);
    return thrown(() => IsolationForest.fromJSON(s)).message;
  };

  it("rejects a truncated or corrupted model with a clear error", () => {
    const text = JSON.stringify(fitted);
    expect(thrown(() => IsolationForest.fromJSON(text.slice(0, 5000))).message).toMatch(
      /^isolation forest model is invalid: not JSON \(a truncated or damaged file\?\)/,
    );
    expect(bad((s) => Object.assign(s, { version: 2 }))).toMatch(/version/);
    expect(bad((s) => s.trees.pop())).toMatch(/99 trees stored, params.trees says 100/);
    expect(bad((s) => Object.assign(s.trees[3] ?? {}, { left: undefined }))).toMatch(
      /trees\.3\.left/,
    );
    expect(bad((s) => s.trees[1]?.value.pop())).toMatch(/trees\.1: \d+ features, \d+ values/);
    expect(bad((s) => s.trees[2]?.feature.splice(0, 1, 3))).toMatch(
      /trees\.2\.feature\.0: 3 ≥ nFeatures 3/,
    );
    expect(bad((s) => s.trees[0]?.left.splice(0, 1, 0))).toMatch(
      /trees\.0\.left\.0: child 0 is not a node after 0/,
    );
    expect(
      bad((s) => {
        const t = s.trees[0] as IsolationForestState["trees"][number];
        t.value[t.feature.indexOf(-1)] = 99;
      }),
    ).toMatch(/leaf path length 99 is outside/);
    expect(bad((s) => Object.assign(s, { threshold: 0.7 }))).toMatch(
      /threshold 0.7 is not −offset/,
    );
    expect(bad((s) => Object.assign(s, { featureNames: ["a"] }))).toMatch(/1 feature names for 3/);
    expect(thrown(() => IsolationForest.fromJSON(null)).message).toMatch(/\(root\)/);
  });
});

describe("IsolationForest input checks", () => {
  it("rejects bad training data, naming the row, column and feature", () => {
    const rows = gaussian(20, 3, 9);
    const withValue = (v: number) => rows.map((r, i) => (i === 12 ? [r[0] ?? 0, v, r[2] ?? 0] : r));
    const names = ["price", "spread_bps", "volume"];
    expect(
      thrown(() => IsolationForest.fit(withValue(Number.NaN), { featureNames: names })).message,
    ).toBe(
      'training data row 12, column 1 ("spread_bps") is NaN: every value must be a finite number',
    );
    expect(thrown(() => IsolationForest.fit(withValue(Number.POSITIVE_INFINITY))).message).toBe(
      "training data row 12, column 1 is Infinity: every value must be a finite number",
    );
    expect(thrown(() => IsolationForest.fit(withValue(Number.NEGATIVE_INFINITY))).message).toMatch(
      /column 1 is -Infinity/,
    );
    const ragged = rows.map((r, i) => (i === 12 ? r.slice(0, 2) : r));
    expect(thrown(() => IsolationForest.fit(ragged)).message).toBe(
      "training data row 12 has 2 values, expected 3",
    );
    const constant = rows.map((r) => [r[0] ?? 0, 4.5, r[2] ?? 0]);
    const err = thrown(() => IsolationForest.fit(constant, { featureNames: names }));
    expect(err.message).toMatch(
      /^training data column 1 \("spread_bps"\) is constant \(every row is 4.5\)/,
    );
    expect(err.details).toMatchObject({ column: 1, feature: "spread_bps" });
    expect(thrown(() => IsolationForest.fit(rows.slice(0, 7))).message).toBe(
      "training data has 7 rows, at least 8 are needed",
    );
    expect(thrown(() => IsolationForest.fit(rows, { featureNames: ["a", "b"] })).message).toBe(
      "training data: 2 feature names for 3 columns",
    );
  });

  it("rejects invalid options, naming the option", () => {
    const rows = gaussian(20, 2, 9);
    expect(thrown(() => IsolationForest.fit(rows, { trees: 0 })).message).toMatch(/^trees must/);
    expect(thrown(() => IsolationForest.fit(rows, { sampleSize: 1 })).message).toMatch(
      /^sampleSize must be an integer ≥ 2, got 1/,
    );
    expect(thrown(() => IsolationForest.fit(rows, { contamination: 0.6 })).message).toMatch(
      /^contamination must be "auto" or a fraction in \(0, 0.5\], got 0.6/,
    );
    expect(thrown(() => IsolationForest.fit(rows, { seed: 1.5 })).details).toEqual({
      option: "seed",
    });
  });

  it("rejects wrong column counts and non-finite values when scoring", () => {
    expect(thrown(() => fitted.score([[1, 2]])).message).toBe(
      "input has 2 columns, expected 3 (the number of features the model was fitted on)",
    );
    expect(
      thrown(() =>
        fitted.score([
          [1, 2, 3],
          [4, Number.NaN, 6],
        ]),
      ).message,
    ).toBe('input row 1, column 1 ("b") is NaN: every value must be a finite number');
    const m: Matrix = { rows: 2, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, Infinity]) };
    expect(thrown(() => fitted.predict(m)).message).toMatch(/row 1, column 2 \("c"\) is Infinity/);
    expect(thrown(() => fitted.scoreOne([1, 2, 3, 4])).message).toBe(
      "observation has 4 values, expected 3 (the number of features the model was fitted on)",
    );
    expect(thrown(() => fitted.scoreOne([1, Number.NaN, 3])).message).toBe(
      'observation column 1 ("b") is NaN: every value must be a finite number',
    );
  });
});

describe("IsolationForest on real data", () => {
  it("ranks malignant tumours as anomalies about as well as scikit-learn", () => {
    // packages/ml/fixtures/breast-cancer-wdbc-10pct.json was written by
    // `/usr/bin/python3 scripts/ml-crosscheck/isolation_forest.py fixture <file>`: scikit-learn's
    // breast cancer data, all 357 benign + 40 malignant (10.1%). That run printed scikit-learn
    // 1.2.1's ROC-AUC of -score_samples with IsolationForest(n_estimators=100, max_samples=256,
    // random_state=seed) for seeds 0-9: mean 0.9346, sd 0.0075.
    const SKLEARN_MEAN_AUC = 0.9346;
    const fixture = JSON.parse(
      readFileSync(new URL("../fixtures/breast-cancer-wdbc-10pct.json", import.meta.url), "utf8"),
    ) as { rows: number[][]; labels: number[]; featureNames: string[] };
    const x = toMatrix(fixture.rows, "breast cancer");
    expect([x.rows, x.cols]).toEqual([397, 30]);
    const aucs = Array.from({ length: 10 }, (_, seed) => {
      const model = IsolationForest.fit(x, { seed, featureNames: fixture.featureNames });
      return rocAuc(model.score(x), fixture.labels);
    });
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    expect(Math.abs(mean - SKLEARN_MEAN_AUC)).toBeLessThanOrEqual(0.02);
  });
});
