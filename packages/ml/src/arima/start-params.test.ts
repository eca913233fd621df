import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { simulateArima } from "./simulate.ts";
import { hannanRissanen } from "./start-params.ts";

describe("hannanRissanen", () => {
  it("gives rough estimates close to the truth on long series", () => {
    const ar2 = simulateArima({ ar: [0.5, -0.3] }, 2000, seededRandom(51));
    const a = hannanRissanen(ar2, 2, 0);
    expect(Math.abs((a?.ar[0] ?? 0) - 0.5)).toBeLessThan(0.08);
    expect(Math.abs((a?.ar[1] ?? 0) + 0.3)).toBeLessThan(0.08);
    const arma = simulateArima({ ar: [0.6], ma: [0.4] }, 2000, seededRandom(52));
    const b = hannanRissanen(arma, 1, 1);
    expect(Math.abs((b?.ar[0] ?? 0) - 0.6)).toBeLessThan(0.1);
    expect(Math.abs((b?.ma[0] ?? 0) - 0.4)).toBeLessThan(0.1);
  });

  it("returns no coefficients for white noise, undefined for a too short series", () => {
    expect(hannanRissanen([1, 2, 3], 0, 0)).toEqual({ ar: [], ma: [] });
    expect(hannanRissanen([1, -1, 2, 0, 1], 2, 2)).toBeUndefined();
  });
});
