import { describe, expect, it } from "vitest";
import { leastSquares, solveLinear } from "./linalg.ts";

describe("solveLinear", () => {
  it("solves a system that needs pivoting (zero in the first pivot)", () => {
    // [[0, 2, 1], [1, 1, 1], [2, 1, 0]] · [1, 2, 3] = [7, 6, 4]
    const a = Float64Array.from([0, 2, 1, 1, 1, 1, 2, 1, 0]);
    const x = solveLinear(a, Float64Array.from([7, 6, 4]), 3);
    for (const [i, v] of [1, 2, 3].entries()) expect(x?.[i]).toBeCloseTo(v, 12);
    expect(Array.from(a)).toEqual([0, 2, 1, 1, 1, 1, 2, 1, 0]);
  });

  it("returns undefined for a singular matrix", () => {
    expect(
      solveLinear(Float64Array.from([1, 2, 2, 4]), Float64Array.from([1, 2]), 2),
    ).toBeUndefined();
  });
});

describe("leastSquares", () => {
  it("fits an exact line", () => {
    const xs = [0, 1, 2, 3];
    const x = Float64Array.from(xs.flatMap((v) => [1, v]));
    const beta = leastSquares(x, Float64Array.from(xs.map((v) => 2 + 3 * v)), 4, 2);
    expect(beta?.[0]).toBeCloseTo(2, 12);
    expect(beta?.[1]).toBeCloseTo(3, 12);
  });
});
