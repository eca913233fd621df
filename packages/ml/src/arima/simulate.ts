import type { Random } from "@kamiyo/core";

/** A standard normal draw from a uniform generator (Box–Muller, one value per two uniforms). */
export function standardNormal(random: Random): number {
  let u = random();
  while (u <= 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** What {@link simulateArima} draws from. */
export interface ArimaSimulation {
  readonly ar?: readonly number[];
  readonly ma?: readonly number[];
  /** Mean of the d-times differenced series (default 0). */
  readonly mean?: number;
  /** Innovation variance (default 1). */
  readonly sigma2?: number;
  /** Times to integrate (default 0). */
  readonly d?: number;
  /** Starting level for each integration (default 0). */
  readonly start?: number;
  /** Values drawn and dropped before the returned ones (default 200). */
  readonly burnIn?: number;
}

/**
 * Draws `n` values of an ARIMA process `φ(B)(Δ^d y_t − μ) = θ(B)ε_t`, ε ~ N(0, σ²), with a
 * seeded generator (e.g. `seededRandom(seed)` from @kamiyo/core), for tests and benchmarks.
 */
export function simulateArima(spec: ArimaSimulation, n: number, random: Random): number[] {
  const ar = spec.ar ?? [];
  const ma = spec.ma ?? [];
  const mean = spec.mean ?? 0;
  const sd = Math.sqrt(spec.sigma2 ?? 1);
  const burn = spec.burnIn ?? 200;
  const total = n + burn;
  const x: number[] = [];
  const e: number[] = [];
  for (let t = 0; t < total; t++) {
    const eps = sd * standardNormal(random);
    let v = eps;
    for (let i = 0; i < ar.length; i++) v += (ar[i] ?? 0) * (x[t - i - 1] ?? 0);
    for (let j = 0; j < ma.length; j++) v += (ma[j] ?? 0) * (e[t - j - 1] ?? 0);
    x.push(v);
    e.push(eps);
  }
  let out = x.slice(burn).map((v) => v + mean);
  for (let k = 0; k < (spec.d ?? 0); k++) {
    let level = spec.start ?? 0;
    out = out.map((v) => {
      level += v;
      return level;
    });
  }
  return out;
}
