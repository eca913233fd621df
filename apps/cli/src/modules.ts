import type { ApiModule } from "@kamiyo/api";
import { MONITORED_CHAINS } from "@kamiyo/hyperliquid";
import { intelApi } from "@kamiyo/intel/api";

/**
 * The product modules this app composes. Adding a product line's routes is one line here (its
 * package brings them; see docs/adding-a-product-line.md).
 */
export const API_MODULES: readonly ApiModule[] = [intelApi];

/** The chains the composed monitor watches. */
export const CHAINS = MONITORED_CHAINS;
