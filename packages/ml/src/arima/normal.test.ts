import { describe, expect, it } from "vitest";
import { normalCriticalValue, normalQuantile } from "./normal.ts";

describe("normalQuantile", () => {
  it("matches scipy.stats.norm.ppf in all three regions of AS 241", () => {
    // Values printed by
    // /usr/bin/python3 -c "from scipy.stats import norm; print(repr(norm.ppf(p)))"
    // (scipy 1.10.1).
    const cases: [number, number][] = [
      [0.975, 1.959963984540054],
      [0.995, 2.5758293035489004],
      [0.9, 1.2815515655446004],
      [0.3, -0.5244005127080409],
      [0.02, -2.053748910631823],
      [1e-10, -6.361340902404056],
      [1e-300, -37.0470962993612],
    ];
    for (const [p, z] of cases) expect(normalQuantile(p)).toBeCloseTo(z, 12);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it("rejects probabilities outside (0, 1)", () => {
    for (const p of [0, 1, -0.1, Number.NaN]) {
      expect(() => normalQuantile(p)).toThrow(/0 < p < 1/);
    }
    expect(() => normalCriticalValue(1)).toThrow(/level must be in \(0, 1\)/);
  });

  it("turns an interval level into a two-sided critical value", () => {
    expect(normalCriticalValue(0.95)).toBeCloseTo(1.959963984540054, 12);
  });
});
