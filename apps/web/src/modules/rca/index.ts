import { lazy } from "react";
import type { WebModule } from "../../app/web-module.ts";
import { RcaPanel } from "./RcaPanel.tsx";

/** Kubernetes RCA's pages, each loaded on first visit; its overview part counts what is wrong now. */
export const rcaWeb: WebModule = {
  id: "rca",
  title: "Kubernetes RCA",
  overview: RcaPanel,
  pages: [
    {
      path: "/rca/incidents",
      nav: "Incidents",
      component: lazy(() => import("./IncidentsPage.tsx")),
    },
    {
      path: "/rca/resources",
      nav: "Resources",
      component: lazy(() => import("./ResourcesPage.tsx")),
    },
    { path: "/rca/resources/*", component: lazy(() => import("./ResourcePage.tsx")) },
    {
      path: "/rca/analyses",
      nav: "Root causes",
      component: lazy(() => import("./AnalysesPage.tsx")),
    },
    { path: "/rca/analyses/:id", component: lazy(() => import("./AnalysisPage.tsx")) },
    { path: "/rca/usage", nav: "Usage and bill", component: lazy(() => import("./UsagePage.tsx")) },
  ],
};
