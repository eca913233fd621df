import type { Detector } from "@kamiyo/core";
import { hlpDetector } from "./hlp/hlp-detector.ts";
import { liquidationsDetector } from "./liquidations/liquidations-detector.ts";
import { manipulationDetector } from "./manipulation/manipulation-detector.ts";
import { oracleDetector } from "./oracle/oracle-detector.ts";

export { hlpConfig } from "./hlp/config.ts";
export { hlpDetector } from "./hlp/hlp-detector.ts";
export * from "./hlp/metrics.ts";
export { liquidationsConfig } from "./liquidations/config.ts";
export { LiquidationTracker } from "./liquidations/liquidation-tracker.ts";
export { liquidationsDetector } from "./liquidations/liquidations-detector.ts";
export { manipulationConfig } from "./manipulation/config.ts";
export { manipulationDetector } from "./manipulation/manipulation-detector.ts";
export { oracleConfig } from "./oracle/config.ts";
export { maxDeviation } from "./oracle/deviation.ts";
export { oracleDetector } from "./oracle/oracle-detector.ts";

/** Every detector plug-in of the Hyperliquid monitor, by kind. Adding one is one line here. */
export const detectors = {
  hlp: hlpDetector,
  oracle: oracleDetector,
  liquidations: liquidationsDetector,
  manipulation: manipulationDetector,
} as const satisfies Record<string, Detector>;

export type DetectorKind = keyof typeof detectors;
