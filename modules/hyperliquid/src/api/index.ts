import type { ApiModule } from "@kamiyo/api";
import { dashboardRoutes } from "./dashboard-routes.ts";
import { hyperliquidRoutes } from "./hyperliquid-routes.ts";
import { registerMarketMetrics } from "./market-metrics.ts";
import { mlRoutes } from "./ml-routes.ts";
import { hyperliquidMeta, hyperliquidStats, newestMarketData } from "./overview.ts";

/**
 * The Hyperliquid monitor in the HTTP API: its risk dashboard (`/security/dashboard`),
 * `/security/hlp-vault` (and its history), `/security/oracle-deviations` (and its history),
 * `/security/liquidation-patterns`, its models (`/ml/status`, `/ml/anomalies`, `/ml/forecast`),
 * the `liquidations` and `monitoredAssets` sections of `/stats`, what it watches in `/meta`, and
 * its data lag in `/ready`, and its live figures in `/metrics` (vaults, price deviations,
 * liquidations).
 */
export const hyperliquidApi: ApiModule = {
  id: "hyperliquid",
  product: "platform",
  tags: [{ name: "ml", description: "Models" }],
  routes(app, ctx) {
    dashboardRoutes(app, ctx.deps, ctx.config);
    hyperliquidRoutes(app, ctx.deps);
    mlRoutes(app, ctx.deps);
    registerMarketMetrics(ctx);
  },
  stats: hyperliquidStats,
  meta: hyperliquidMeta,
  newestDataAt: newestMarketData,
};
