/** Options of {@link minimizeLbfgs}. */
export interface MinimizeOptions {
  /** Iteration cap (default 200). */
  readonly maxIterations?: number;
  /** Stop when the largest gradient component is at most this (default 1e-6). */
  readonly gradientTolerance?: number;
  /** Stop when an iteration lowers f by at most this, relative to max(|f|, 1) (default 1e-12). */
  readonly functionTolerance?: number;
  /** Number of correction pairs kept (default 10). */
  readonly memory?: number;
}

/** Why {@link minimizeLbfgs} stopped. */
export type StopReason =
  | "gradient"
  | "function"
  | "max_iterations"
  | "line_search_failed"
  | "non_finite_start";

/** Outcome of a minimisation; `converged` is false unless a tolerance was met. */
export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly reason: StopReason;
}

/**
 * Central-difference gradient of `f` at `x` (step ≈ ε^{1/3}·max(1, |xᵢ|)); costs 2·len(x)
 * evaluations. A non-finite side falls back to a one-sided difference.
 */
export function numericGradient(
  f: (x: readonly number[]) => number,
  x: readonly number[],
  fx: number,
) {
  const g = new Array<number>(x.length).fill(0);
  const probe = x.slice();
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] ?? 0;
    const h = 6e-6 * Math.max(1, Math.abs(xi));
    probe[i] = xi + h;
    const up = f(probe);
    probe[i] = xi - h;
    const down = f(probe);
    probe[i] = xi;
    if (Number.isFinite(up) && Number.isFinite(down)) g[i] = (up - down) / (2 * h);
    else if (Number.isFinite(up)) g[i] = (up - fx) / h;
    else if (Number.isFinite(down)) g[i] = (fx - down) / h;
  }
  return g;
}

/**
 * Minimises `f` (which may return Infinity or NaN outside its domain) by limited-memory BFGS
 * with finite-difference gradients and a backtracking Armijo line search; curvature pairs with
 * sᵀy ≤ 0 are skipped, and a failed line search is retried once along −g with the memory
 * cleared. A line search that fails where the gradient is already below 100× the tolerance
 * counts as converged (the objective is flat to rounding there).
 */
export function minimizeLbfgs(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  opts: MinimizeOptions = {},
): MinimizeResult {
  const maxIterations = opts.maxIterations ?? 200;
  const gtol = opts.gradientTolerance ?? 1e-6;
  const ftol = opts.functionTolerance ?? 1e-12;
  const memory = opts.memory ?? 10;
  let evaluations = 0;
  const fn = (x: readonly number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  let x = x0.slice();
  let fx = fn(x);
  const done = (iterations: number, reason: StopReason, g: number[]): MinimizeResult => {
    const gradientNorm = maxAbs(g);
    const converged =
      reason === "gradient" ||
      reason === "function" ||
      (reason === "line_search_failed" && gradientNorm <= 100 * gtol);
    return { x, value: fx, gradientNorm, iterations, evaluations, converged, reason };
  };
  if (!Number.isFinite(fx)) return done(0, "non_finite_start", []);
  if (x.length === 0) return done(0, "gradient", []);
  let g = numericGradient(fn, x, fx);
  const ss: number[][] = [];
  const ys: number[][] = [];
  for (let iter = 1; iter <= maxIterations; iter++) {
    if (maxAbs(g) <= gtol) return done(iter - 1, "gradient", g);
    let d = direction(g, ss, ys);
    let step = ss.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    let found = lineSearch(fn, x, fx, g, d, step);
    if (found === undefined && ss.length > 0) {
      ss.length = 0;
      ys.length = 0;
      d = g.map((v) => -v);
      step = Math.min(1, 1 / Math.max(maxAbs(g), 1e-12));
      found = lineSearch(fn, x, fx, g, d, step);
    }
    if (found === undefined) return done(iter - 1, "line_search_failed", g);
    const gNew = numericGradient(fn, found.x, found.value);
    const s = found.x.map((v, i) => v - (x[i] ?? 0));
    const y = gNew.map((v, i) => v - (g[i] ?? 0));
    if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      ss.push(s);
      ys.push(y);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    const decrease = fx - found.value;
    x = found.x;
    fx = found.value;
    g = gNew;
    if (decrease <= ftol * Math.max(Math.abs(fx), 1)) return done(iter, "function", g);
  }
  return done(maxIterations, "max_iterations", g);
}

function lineSearch(
  fn: (x: readonly number[]) => number,
  x: readonly number[],
  fx: number,
  g: readonly number[],
  d: number[],
  initialStep: number,
): { x: number[]; value: number } | undefined {
  let slope = dot(g, d);
  if (!(slope < 0)) {
    for (let i = 0; i < d.length; i++) d[i] = -(g[i] ?? 0);
    slope = dot(g, d);
  }
  let step = initialStep;
  for (let k = 0; k < 40; k++) {
    const trial = x.map((v, i) => v + step * (d[i] ?? 0));
    const value = fn(trial);
    if (value <= fx + 1e-4 * step * slope) return { x: trial, value };
    // Quadratic interpolation of the decrease, kept within [0.1, 0.5] of the current step.
    const q = Number.isFinite(value)
      ? (-slope * step * step) / (2 * (value - fx - slope * step))
      : 0;
    step = Math.min(Math.max(q, 0.1 * step), 0.5 * step);
  }
  return undefined;
}

function direction(g: readonly number[], ss: number[][], ys: number[][]): number[] {
  const q = g.slice();
  const alpha: number[] = [];
  for (let i = ss.length - 1; i >= 0; i--) {
    const s = ss[i] ?? [];
    const y = ys[i] ?? [];
    const a = dot(s, q) / dot(y, s);
    alpha[i] = a;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] ?? 0) - a * (y[j] ?? 0);
  }
  const last = ss.length - 1;
  const gamma =
    last >= 0 ? dot(ss[last] ?? [], ys[last] ?? []) / dot(ys[last] ?? [], ys[last] ?? []) : 1;
  for (let j = 0; j < q.length; j++) q[j] = (q[j] ?? 0) * gamma;
  for (let i = 0; i < ss.length; i++) {
    const s = ss[i] ?? [];
    const y = ys[i] ?? [];
    const b = dot(y, q) / dot(y, s);
    for (let j = 0; j < q.length; j++) q[j] = (q[j] ?? 0) + ((alpha[i] ?? 0) - b) * (s[j] ?? 0);
  }
  return q.map((v) => -v);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

function maxAbs(v: readonly number[]): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}
