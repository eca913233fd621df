import { describe, expect, it } from "vitest";
import { minimizeLbfgs, numericGradient } from "./optimize.ts";

const rosenbrock = (x: readonly number[]) => {
  const [a = 0, b = 0] = x;
  return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
};

describe("minimizeLbfgs", () => {
  it("finds the minimum of the Rosenbrock function from the classic start", () => {
    const res = minimizeLbfgs(rosenbrock, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 4);
    expect(res.x[1]).toBeCloseTo(1, 4);
    expect(res.value).toBeLessThan(1e-8);
  });

  it("minimises an ill-conditioned quadratic in several dimensions", () => {
    const scales = [1, 10, 100, 1000, 1e4];
    const f = (x: readonly number[]) =>
      x.reduce((s, v, i) => s + (scales[i] ?? 1) * (v - i) ** 2, 0);
    const res = minimizeLbfgs(f, [5, 5, 5, 5, 5]);
    expect(res.converged).toBe(true);
    expect(res.x).toHaveLength(5);
    for (const [i, v] of res.x.entries()) expect(v).toBeCloseTo(i, 4);
  });

  it("reports non-convergence when the iteration cap is hit", () => {
    const res = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 });
    expect(res.converged).toBe(false);
    expect(res.reason).toBe("max_iterations");
    expect(res.iterations).toBe(3);
  });

  it("stays inside the domain when f is infinite outside it", () => {
    const f = (x: readonly number[]) => {
      const v = x[0] ?? 0;
      return v <= 0 ? Number.POSITIVE_INFINITY : v - Math.log(v);
    };
    const res = minimizeLbfgs(f, [5]);
    expect(res.x[0]).toBeCloseTo(1, 5);
    expect(minimizeLbfgs(f, [-1]).reason).toBe("non_finite_start");
  });

  it("handles zero-dimensional problems", () => {
    const res = minimizeLbfgs(() => 3, []);
    expect(res).toMatchObject({ converged: true, value: 3, iterations: 0 });
  });
});

describe("numericGradient", () => {
  it("agrees with the analytic gradient", () => {
    const g = numericGradient(rosenbrock, [0.5, 0.7], rosenbrock([0.5, 0.7]));
    expect(g[0]).toBeCloseTo(-400 * 0.5 * (0.7 - 0.25) - 2 * 0.5, 6);
    expect(g[1]).toBeCloseTo(200 * (0.7 - 0.25), 6);
  });
});
