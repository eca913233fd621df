/**
 * Monahan (1984) / Jones (1980) reparametrisation, as statsmodels' SARIMAX uses it with
 * `enforce_stationarity` / `enforce_invertibility`: each unconstrained value `x` becomes a
 * partial autocorrelation `r = x / sqrt(1 + x²)` in (−1, 1), and the Durbin–Levinson recursion
 * turns the partial autocorrelations into the coefficients of a stationary AR polynomial
 * `1 − φ₁B − … − φₚBᵖ`. Same sign conventions as `statsmodels.tsa.statespace.tools`, so the
 * unconstrained vectors are interchangeable with statsmodels'.
 */
export function constrainStationary(unconstrained: readonly number[]): number[] {
  const n = unconstrained.length;
  if (n === 0) return [];
  const r = unconstrained.map((x) => x / Math.sqrt(1 + x * x));
  let prev: number[] = [];
  for (let k = 0; k < n; k++) {
    const row = new Array<number>(k + 1);
    const rk = r[k] ?? 0;
    for (let i = 0; i < k; i++) row[i] = (prev[i] ?? 0) + rk * (prev[k - i - 1] ?? 0);
    row[k] = rk;
    prev = row;
  }
  return prev.map((v) => -v);
}

/**
 * Inverse of {@link constrainStationary}. Returns `undefined` when the coefficients are not
 * those of a stationary AR polynomial (some partial autocorrelation has |r| ≥ 1).
 */
export function unconstrainStationary(constrained: readonly number[]): number[] | undefined {
  const n = constrained.length;
  if (n === 0) return [];
  const pacf = partialAutocorrelations(constrained);
  if (pacf === undefined) return undefined;
  return pacf.map((r) => r / Math.sqrt(1 - r * r));
}

/**
 * The partial autocorrelations (in statsmodels' sign convention) behind AR coefficients, by
 * the backward Durbin–Levinson recursion; `undefined` unless all lie strictly inside (−1, 1),
 * i.e. unless the polynomial `1 − φ₁B − … − φₚBᵖ` has all roots outside the unit circle.
 */
export function partialAutocorrelations(coefs: readonly number[]): number[] | undefined {
  const n = coefs.length;
  const r = new Array<number>(n).fill(0);
  let row = coefs.map((v) => -v);
  for (let k = n - 1; k >= 0; k--) {
    const rk = row[k] ?? 0;
    if (!(Math.abs(rk) < 1)) return undefined;
    r[k] = rk;
    if (k === 0) break;
    const next = new Array<number>(k);
    for (let i = 0; i < k; i++)
      next[i] = ((row[i] ?? 0) - rk * (row[k - i - 1] ?? 0)) / (1 - rk * rk);
    row = next;
  }
  return r;
}

/** True when `1 − φ₁B − … − φₚBᵖ` has all its roots strictly outside the unit circle. */
export function isStationary(ar: readonly number[]): boolean {
  return partialAutocorrelations(ar) !== undefined;
}

/** True when the MA polynomial `1 + θ₁B + … + θ_qB^q` has all its roots outside the unit circle. */
export function isInvertible(ma: readonly number[]): boolean {
  return partialAutocorrelations(ma.map((v) => -v)) !== undefined;
}
