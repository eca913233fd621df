import { seededRandom } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { simulateArima, standardNormal } from "./simulate.ts";

describe("simulateArima", () => {
  it("is reproducible from the seed", () => {
    const a = simulateArima({ ar: [0.5], ma: [0.2] }, 50, seededRandom(1));
    expect(simulateArima({ ar: [0.5], ma: [0.2] }, 50, seededRandom(1))).toEqual(a);
    expect(simulateArima({ ar: [0.5], ma: [0.2] }, 50, seededRandom(2))).not.toEqual(a);
  });

  it("draws an AR(1) with the stationary mean and variance", () => {
    const y = simulateArima({ ar: [0.5], mean: 3, sigma2: 4 }, 20_000, seededRandom(3));
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(variance / (4 / 0.75)).toBeGreaterThan(0.95);
    expect(variance / (4 / 0.75)).toBeLessThan(1.05);
  });

  it("integrates d times from the starting level", () => {
    const w = simulateArima({ mean: 1 }, 5, seededRandom(4));
    const y = simulateArima({ mean: 1, d: 1, start: 10 }, 5, seededRandom(4));
    let level = 10;
    expect(w).toHaveLength(5);
    for (const [i, v] of w.entries()) {
      level += v;
      expect(y[i]).toBeCloseTo(level, 12);
    }
  });

  it("draws standard normals", () => {
    const rand = seededRandom(5);
    const z = Array.from({ length: 20_000 }, () => standardNormal(rand));
    const mean = z.reduce((s, v) => s + v, 0) / z.length;
    const tail = z.filter((v) => Math.abs(v) > 1.96).length / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(tail).toBeGreaterThan(0.04);
    expect(tail).toBeLessThan(0.06);
  });
});
