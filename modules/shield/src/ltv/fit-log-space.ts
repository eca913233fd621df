import { minimizeLbfgs } from "@kamiyo/ml";

/** How a maximum-likelihood fit went. */
export interface FitReport {
  /** The optimiser's iterations and objective evaluations. */
  readonly iterations: number;
  readonly evaluations: number;
}

/**
 * Maximises a log-likelihood of positive parameters, as lifetimes does: over their logarithms
 * (unconstrained), from log-parameters 0.1, minimising the mean negative log-likelihood per
 * customer plus `l2Penalty` × Σ parameter² (lifetimes' `penalizer_coef`, default 0).
 * `logLikelihood` returns the sum over the `customers` (−Infinity or NaN where it is undefined).
 * @throws Error naming `model` when the optimiser does not converge.
 */
export function maximiseInLogSpace(
  model: string,
  size: number,
  customers: number,
  logLikelihood: (params: readonly number[]) => number,
  l2Penalty = 0,
): { params: number[]; report: FitReport } {
  const objective = (logParams: readonly number[]) => {
    const params = logParams.map(Math.exp);
    let penalty = 0;
    for (const p of params) penalty += p * p;
    return -logLikelihood(params) / customers + l2Penalty * penalty;
  };
  const run = minimizeLbfgs(objective, new Array<number>(size).fill(0.1), {
    maxIterations: 500,
    gradientTolerance: 1e-8,
  });
  if (!run.converged)
    throw new Error(
      `the ${model} fit did not converge (${run.reason} after ${run.iterations} iterations)`,
    );
  return {
    params: run.x.map(Math.exp),
    report: { iterations: run.iterations, evaluations: run.evaluations },
  };
}
