import { lazy } from "react";
import type { WebModule } from "../../app/web-module.ts";
import { RiskPanel } from "./RiskPanel.tsx";

/** The Hyperliquid monitor's pages; the chart pages load on first visit (uPlot with them). */
export const hyperliquidWeb: WebModule = {
  id: "hyperliquid",
  title: "Hyperliquid",
  overview: RiskPanel,
  pages: [
    { path: "/hlp", nav: "HLP vaults", component: lazy(() => import("./HlpPage.tsx")) },
    { path: "/oracles", nav: "Oracles", component: lazy(() => import("./OraclePage.tsx")) },
    {
      path: "/liquidations",
      nav: "Liquidations",
      component: lazy(() => import("./LiquidationsPage.tsx")),
    },
    { path: "/ml", nav: "ML", component: lazy(() => import("./MlPage.tsx")) },
  ],
};
