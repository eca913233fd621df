import { pluginKit } from "@kamiyo/core";
import type { HlObservation } from "./observations.ts";

/** The declarers of the Hyperliquid monitor's sources and detectors, over its observations. */
export const { defineSource, defineDetector } = pluginKit<HlObservation>();
