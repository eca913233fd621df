import { AppError } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { quantileSorted, rocAuc } from "./metrics.ts";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("invalid_input");
    return (err as AppError).message;
  }
  throw new Error("expected an AppError");
}

describe("rocAuc", () => {
  it("matches scikit-learn's roc_auc_score, ties counting one half", () => {
    // /usr/bin/python3: sklearn.metrics.roc_auc_score(labels, scores)
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([0.5, 0.5, 0.2, 0.9, 0.5, 0.1], [0, 1, 0, 1, 1, 0])).toBeCloseTo(
      0.888888888888889,
      14,
    );
    expect(rocAuc([3, 3, 3, 1, 2, 2, 0], [true, false, false, true, false, false, false])).toBe(
      0.5,
    );
  });

  it("is 1 for a perfect ranking, 0 for a reversed one and 0.5 when all tie", () => {
    expect(rocAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([7, 7, 7, 7], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc(new Float64Array([0.2, 0.9, 0.1]), new Uint8Array([0, 1, 0]))).toBe(1);
  });

  it("rejects mismatched lengths, non-finite scores, odd labels and a single class", () => {
    expect(message(() => rocAuc([1, 2], [0]))).toBe(
      "rocAuc: 2 scores but 1 labels; they must pair one to one",
    );
    expect(message(() => rocAuc([1, Number.NaN], [0, 1]))).toBe(
      "rocAuc: score 1 is NaN, expected a finite number",
    );
    expect(message(() => rocAuc([1, 2], [0, 2]))).toBe(
      "rocAuc: label 1 is 2, expected true/false or 1/0",
    );
    expect(message(() => rocAuc([1, 2, 3], [1, 1, 1]))).toBe(
      "rocAuc: needs both classes, got 3 positives and 0 negatives",
    );
  });
});

describe("quantileSorted", () => {
  it("interpolates linearly as numpy's percentile", () => {
    // /usr/bin/python3: np.percentile([1, 2, 3, 4, 10], [0, 10, 50, 95, 100, 33.3])
    const v = [1, 2, 3, 4, 10];
    expect([0, 0.1, 0.5, 0.95, 1].map((q) => quantileSorted(v, q))).toEqual([
      1, 1.4, 3, 8.799999999999999, 10,
    ]);
    expect(quantileSorted(v, 0.333)).toBeCloseTo(2.332, 14);
    expect(quantileSorted([5], 0.9)).toBe(5);
  });

  it("rejects no values and q outside [0, 1]", () => {
    expect(message(() => quantileSorted([], 0.5))).toMatch(/quantile 0.5 of 0 values/);
    expect(message(() => quantileSorted([1, 2], 1.5))).toMatch(/quantile 1.5/);
  });
});
