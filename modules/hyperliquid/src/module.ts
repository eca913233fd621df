import { defineModule } from "@kamiyo/platform";
import { hyperliquidApi } from "./api/index.ts";
import { MONITORED_CHAINS } from "./chains.ts";
import { MONITOR_PLUGINS } from "./pipeline/monitor-config.ts";

/** The Hyperliquid security monitor as the platform composes it. */
export const hyperliquidModule = defineModule({
  id: "hyperliquid",
  title: "Hyperliquid security monitor",
  api: hyperliquidApi,
  pipeline: MONITOR_PLUGINS,
  pluginPrefixes: { hyperliquid: "HL", liquidations: "LIQ", manipulation: "MANIP" },
  monitoredChains: MONITORED_CHAINS,
});
