import type { ApiModule } from "@kamiyo/api";
import { hyperliquidRoutes } from "./hyperliquid-routes.ts";

/**
 * The Hyperliquid monitor in the HTTP API: `/security/hlp-vault` (and its history),
 * `/security/oracle-deviations` (and its history), `/security/liquidation-patterns`.
 */
export const hyperliquidApi: ApiModule = {
  id: "hyperliquid",
  tags: [],
  routes(app, ctx) {
    hyperliquidRoutes(app, ctx.deps);
  },
};
