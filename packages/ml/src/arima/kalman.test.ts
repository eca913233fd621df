import { describe, expect, it } from "vitest";
import {
  armaKalmanFilter,
  armaStateSpace,
  concentratedLogLikelihood,
  logLikelihoodAt,
  stationaryCovariance,
} from "./kalman.ts";

// The series and parameters of `/usr/bin/python3 scripts/ml-crosscheck/arima.py loglike`, which
// printed the statsmodels 0.13.5 values below: ARIMA(endog, order, trend).loglike(params).
const Y = [
  1.2, 0.4, -0.3, 0.9, 2.1, 1.7, 0.2, -1.1, -0.6, 0.5, 1.4, 0.8, -0.2, -0.9, 0.3, 1.9, 2.4, 1.1,
  0.0, -0.7,
];

describe("exact ARMA log-likelihood", () => {
  it("matches statsmodels at fixed parameters", () => {
    const arma11 = armaKalmanFilter(Y, [0.6], [0.3], { kind: "none" });
    expect(arma11 && logLikelihoodAt(arma11, 1.5)).toBeCloseTo(-27.015119829083243, 7);
    const arma21c = armaKalmanFilter(Y, [0.5, -0.3], [0.4], { kind: "fixed", value: 0.4 });
    expect(arma21c && logLikelihoodAt(arma21c, 0.8)).toBeCloseTo(-20.89253644639937, 7);
    const ma2 = armaKalmanFilter(Y, [], [-0.5, 0.2], { kind: "none" });
    expect(ma2 && logLikelihoodAt(ma2, 1.1)).toBeCloseTo(-42.32821944661428, 7);
  });

  it("matches statsmodels' ARIMA(1,1,1) with drift up to its approximate diffuse start", () => {
    // statsmodels integrates inside the state with a diffuse prior of variance 1e6 on the level
    // and drops the first observation's term; the exact likelihood of the differences (ours)
    // differs from that approximation by a few 1e-6 here.
    const res = armaKalmanFilter(Y.slice(1), [0.6], [0.3], { kind: "fixed", value: 0.3 });
    expect(res && logLikelihoodAt(res, 1.5)).toBeCloseTo(-25.599522021044585, 4);
  });

  it("profiles the mean out: the GLS mean maximises the concentrated likelihood", () => {
    const shifted = Y.map((v) => v + 1000);
    const best = armaKalmanFilter(shifted, [0.6], [0.3], { kind: "profile" });
    if (best === undefined) throw new Error("filter failed");
    const ll = (mu: number) => {
      const r = armaKalmanFilter(shifted, [0.6], [0.3], { kind: "fixed", value: mu });
      return r ? concentratedLogLikelihood(r).logLikelihood : Number.NaN;
    };
    const top = concentratedLogLikelihood(best).logLikelihood;
    expect(best.mean).toBeGreaterThan(1000);
    expect(best.mean).toBeLessThan(1001);
    expect(ll(best.mean)).toBeCloseTo(top, 9);
    expect(ll(best.mean + 0.01)).toBeLessThan(top);
    expect(ll(best.mean - 0.01)).toBeLessThan(top);
  });

  it("returns undefined for a unit root, where no stationary start exists", () => {
    expect(armaKalmanFilter(Y, [1], [], { kind: "none" })).toBeUndefined();
  });
});

describe("stationaryCovariance", () => {
  it("gives the textbook variances of AR(1) and ARMA(1,1)", () => {
    const ar1 = stationaryCovariance(armaStateSpace([0.8], []));
    expect(ar1?.[0]).toBeCloseTo(1 / (1 - 0.64), 12);
    const [phi, theta] = [0.5, 0.4];
    const arma = stationaryCovariance(armaStateSpace([phi], [theta]));
    expect(arma?.[0]).toBeCloseTo((1 + 2 * phi * theta + theta * theta) / (1 - phi * phi), 12);
  });

  it("solves P = T P Tᵀ + R Rᵀ for a larger model", () => {
    const ss = armaStateSpace([0.5, -0.2, 0.1], [0.3, 0.2]);
    const P = stationaryCovariance(ss);
    if (P === undefined) throw new Error("no solution");
    const { r, T, R } = ss;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < r; j++) {
        let v = (R[i] ?? 0) * (R[j] ?? 0);
        for (let a = 0; a < r; a++) {
          for (let b = 0; b < r; b++)
            v += (T[i * r + a] ?? 0) * (P[a * r + b] ?? 0) * (T[j * r + b] ?? 0);
        }
        expect(P[i * r + j]).toBeCloseTo(v, 10);
      }
    }
  });
});
