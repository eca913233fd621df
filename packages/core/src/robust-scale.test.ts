import { describe, expect, it } from "vitest";
import { MAD_SCALE, MEAN_AD_SCALE, medianMad, medianMadZScore, medianOf } from "./robust-scale.ts";

describe("median/MAD baseline", () => {
  it("scales the MAD by 1.4826 and ignores a single outlier", () => {
    const b = medianMad([4, 1, 3, 100, 2]);
    expect(b).toMatchObject({ n: 5, median: 3, mad: 1, scaleMethod: "mad" });
    expect(b.scale).toBe(MAD_SCALE);
    expect(medianMadZScore(100, b)).toBeCloseTo(97 / 1.4826, 12);
    expect(medianMadZScore(1.5, b)).toBeCloseTo(-1.5 / 1.4826, 12);
    expect(medianOf([3, 1, 4, 2])).toBe(2.5);
  });

  it("falls back to 1.2533 × mean absolute deviation when MAD = 0", () => {
    const b = medianMad([5, 5, 5, 5, 9, 1]);
    expect(b.mad).toBe(0);
    expect(b.scaleMethod).toBe("meanad");
    expect(b.scale).toBeCloseTo(MEAN_AD_SCALE * (8 / 6), 12);
    expect(medianMadZScore(9, b)).toBeCloseTo(4 / (1.2533 * (8 / 6)), 12);
  });

  it("gives 0 or ±Infinity against a constant history", () => {
    const b = medianMad([3, 3, 3]);
    expect(b).toMatchObject({ scale: 0, scaleMethod: "none" });
    expect(medianMadZScore(3, b)).toBe(0);
    expect(medianMadZScore(3.1, b)).toBe(Number.POSITIVE_INFINITY);
    expect(medianMadZScore(2, b)).toBe(Number.NEGATIVE_INFINITY);
  });

  it("rejects an empty history and names a non-finite value", () => {
    expect(() => medianMad([])).toThrow(/history is empty/);
    expect(() => medianMad([1, 2, Number.NaN])).toThrow(/history\[2\] is NaN/);
  });
});
