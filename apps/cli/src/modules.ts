import { type ApiModule, pluginCatalog } from "@kamiyo/api";
import { MONITOR_PLUGINS, MONITORED_CHAINS } from "@kamiyo/hyperliquid";
import { hyperliquidApi } from "@kamiyo/hyperliquid/api";
import { intelApi } from "@kamiyo/intel/api";

/**
 * The product modules this app composes. Adding a product line's routes is one line here (its
 * package brings them; see docs/adding-a-product-line.md).
 */
export const API_MODULES: readonly ApiModule[] = [hyperliquidApi, intelApi];

/** The chains the composed monitor watches. */
export const CHAINS = MONITORED_CHAINS;

/** The monitor's plug-ins (the pipeline runs `MONITOR_PLUGINS`), as `/meta` lists them. */
export const PLUGINS = pluginCatalog(MONITOR_PLUGINS);
