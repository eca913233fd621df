import type { ApiModule } from "@kamiyo/api";
import { hyperliquidRoutes } from "./hyperliquid-routes.ts";
import { mlRoutes } from "./ml-routes.ts";

/**
 * The Hyperliquid monitor in the HTTP API: `/security/hlp-vault` (and its history),
 * `/security/oracle-deviations` (and its history), `/security/liquidation-patterns`, and its
 * models: `/ml/status`, `/ml/anomalies`, `/ml/forecast`.
 */
export const hyperliquidApi: ApiModule = {
  id: "hyperliquid",
  tags: [{ name: "ml", description: "Models" }],
  routes(app, ctx) {
    hyperliquidRoutes(app, ctx.deps);
    mlRoutes(app, ctx.deps);
  },
};
