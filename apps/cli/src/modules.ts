import { pluginCatalog } from "@kamiyo/api";
import { hyperliquidModule } from "@kamiyo/hyperliquid/module";
import { intelModule } from "@kamiyo/intel/module";
import { composeModules } from "@kamiyo/platform";
import { rcaModule } from "@kamiyo/rca/module";
import { shieldModule } from "@kamiyo/shield/module";

/**
 * The product modules this app composes, in one list. Adding a product line is its package and
 * one entry here (docs/adding-a-product-line.md).
 */
export const MODULES = composeModules([hyperliquidModule, intelModule, rcaModule, shieldModule]);

/** The composed pipeline's plug-ins, as `/meta` lists them. */
export const PLUGINS = pluginCatalog(MODULES.pipeline);
