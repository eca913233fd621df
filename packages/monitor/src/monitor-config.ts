import { detectors, sources } from "@kamiyo/hyperliquid";
import type { z } from "zod";
import { monitorConfigFor } from "./plugins.ts";

/**
 * The pipeline's plug-ins as installs run it today: the Hyperliquid monitor's. The one place the
 * platform names a module; it moves to the app's module list with the replay servers.
 */
export const MONITOR_PLUGINS = { sources, detectors } as const;

/** Everything the monitor pipeline needs; apps build it from their environment. */
export const monitorConfig = monitorConfigFor(MONITOR_PLUGINS);

export type MonitorConfig = z.output<typeof monitorConfig>;
export type MonitorConfigInput = z.input<typeof monitorConfig>;
