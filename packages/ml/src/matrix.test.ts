import { AppError } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import {
  assertFeatureCount,
  assertFeatureNames,
  assertMinRows,
  type Matrix,
  rowOf,
  toMatrix,
  validateMatrix,
} from "./matrix.ts";

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

const rows = Array.from({ length: 20 }, (_, i) => [i, i * 2, 5 - i]);

describe("toMatrix", () => {
  it("copies rows into row-major storage", () => {
    const m = toMatrix([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(rowOf(m, 1))).toEqual([4, 5, 6]);
  });

  it("rejects ragged rows, non-numbers, non-finite values and emptiness", () => {
    const ragged = rows.map((r, i) => (i === 12 ? r.slice(0, 2) : r));
    const err = thrown(() => toMatrix(ragged, "features"));
    expect(err.message).toBe("features row 12 has 2 values, expected 3");
    expect(err.details).toEqual({ row: 12, expected: 3, actual: 2 });
    expect(thrown(() => toMatrix([[1], [2, 3]])).message).toBe(
      "input row 1 has 2 values, expected 1",
    );
    expect(thrown(() => toMatrix([[1, 2], "ab" as unknown as number[]])).message).toBe(
      "input row 1 has a string, expected 2",
    );
    expect(thrown(() => toMatrix([[1, "2" as unknown as number]])).message).toBe(
      "input row 0, column 1 is a string, expected a number",
    );
    expect(
      thrown(() =>
        toMatrix([
          [1, 2],
          [3, Number.NaN],
        ]),
      ).message,
    ).toBe("input row 1, column 1 is NaN: every value must be a finite number");
    expect(thrown(() => toMatrix([[-Infinity, 2]])).message).toMatch(/column 0 is -Infinity/);
    expect(thrown(() => toMatrix([])).message).toBe("input has no rows");
    expect(thrown(() => toMatrix([[]])).message).toBe("input has no columns");
  });
});

describe("validateMatrix", () => {
  it("returns a valid Matrix as is and an array of rows as a copy", () => {
    const m = toMatrix(rows);
    expect(validateMatrix(m)).toBe(m);
    expect(validateMatrix(rows, { minRows: 20, cols: 3 })).toEqual(m);
  });

  it("names the feature of a non-finite value", () => {
    const m: Matrix = { rows: 2, cols: 2, data: new Float64Array([1, 2, Infinity, 4]) };
    const err = thrown(() => validateMatrix(m, { what: "x", featureNames: ["price", "size"] }));
    expect(err.message).toBe(
      'x row 1, column 0 ("price") is Infinity: every value must be a finite number',
    );
    expect(err.details).toMatchObject({ row: 1, column: 0, feature: "price" });
  });

  it("rejects a constant column when asked, naming it", () => {
    const constant = rows.map((r) => [r[0] ?? 0, r[1] ?? 0, 7]);
    expect(validateMatrix(constant).cols).toBe(3);
    expect(
      thrown(() =>
        validateMatrix(constant, {
          what: "training data",
          rejectConstantColumns: true,
          featureNames: ["a", "b", "funding"],
        }),
      ).message,
    ).toBe(
      'training data column 2 ("funding") is constant (every row is 7): a constant column carries no information and usually means a broken feature pipeline',
    );
  });

  it("rejects a bad shape, a column count other than expected and bad feature names", () => {
    const plain = { rows: 1, cols: 2, data: [1, 2] } as unknown as Matrix;
    expect(thrown(() => validateMatrix(plain)).message).toBe(
      "input data must be a Float64Array (row-major)",
    );
    const short: Matrix = { rows: 2, cols: 3, data: new Float64Array(5) };
    expect(thrown(() => validateMatrix(short)).message).toBe(
      "input holds 5 values, expected 2 × 3 = 6",
    );
    expect(thrown(() => validateMatrix(rows, { cols: 4 })).message).toBe(
      "input has 3 columns, expected 4 (the number of features the model was fitted on)",
    );
    expect(thrown(() => validateMatrix(rows, { featureNames: ["a", "b", "a"] })).message).toBe(
      'input: feature name "a" appears twice',
    );
    expect(thrown(() => validateMatrix(rows, { minRows: 21 })).message).toBe(
      "input has 20 rows, at least 21 are needed",
    );
  });
});

describe("assertions", () => {
  const m = toMatrix(rows);
  it("checks row counts, feature counts, names and row indexes", () => {
    expect(() => assertMinRows(m, 20, "x")).not.toThrow();
    expect(thrown(() => assertMinRows(m, 30, "x")).message).toBe(
      "x has 20 rows, at least 30 are needed",
    );
    expect(() => assertFeatureCount(m, 3, "x")).not.toThrow();
    expect(thrown(() => assertFeatureCount(m, 2, "x")).details).toEqual({ cols: 3, expected: 2 });
    expect(thrown(() => assertFeatureNames(["a", ""], 2, "x")).message).toBe(
      "x: feature name 1 is empty",
    );
    expect(thrown(() => rowOf(m, 20)).message).toBe(
      "row 20 is out of range: the matrix has 20 rows",
    );
    expect(rowOf(m, 3)[2]).toBe(2);
  });
});
