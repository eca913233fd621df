import type { ApiDeps } from "@kamiyo/api";
import type { MonitorConfig } from "../pipeline/monitor-config.ts";

/** The Hyperliquid monitor's settings: the app composes `ApiDeps.monitorConfig` from this module's schema. */
export function settings(deps: ApiDeps): MonitorConfig {
  return deps.monitorConfig as MonitorConfig;
}
