import { monitorConfigFor } from "@kamiyo/monitor";
import type { z } from "zod";
import { detectors } from "../detectors/index.ts";
import { sources } from "../sources/index.ts";
import { hyperliquidHistory } from "../store/history-store.ts";

/** The Hyperliquid monitor's pipeline plug-ins: its sources, its detectors and its history. */
export const MONITOR_PLUGINS = {
  sources,
  detectors,
  stores: { hyperliquid: hyperliquidHistory },
} as const;

/** The Hyperliquid monitor's settings (a slot per plug-in, and the pipeline's); apps build it from their environment. */
export const monitorConfig = monitorConfigFor(MONITOR_PLUGINS);

export type MonitorConfig = z.output<typeof monitorConfig>;
export type MonitorConfigInput = z.input<typeof monitorConfig>;
