export { ArimaModel, type ArimaModelFields, type ArimaParams, type ArimaState } from "./arima.ts";
export {
  chooseDifferencing,
  type DifferencingChoice,
  difference,
  type KpssResult,
  kpssTest,
} from "./differencing.ts";
export { type ArimaFitOptions, fitArima } from "./fit.ts";
export type { Forecast } from "./forecast.ts";
export { normalCriticalValue, normalQuantile } from "./normal.ts";
export { ARIMA_JSON_VERSION, type ArimaModelJson } from "./persistence.ts";
export {
  type ArimaCandidate,
  type AutoArimaOptions,
  type AutoArimaResult,
  autoArima,
} from "./select-order.ts";
export { type ArimaSimulation, simulateArima } from "./simulate.ts";
export { type ArimaOrder, type ArimaTrend, minObservations } from "./validate.ts";
