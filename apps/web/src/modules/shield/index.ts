import { lazy } from "react";
import type { WebModule } from "../../app/web-module.ts";

/**
 * Shield's pages: campaigns and their budgets, the decisions, the audit trail, the invoices, and
 * the tenant's ad-platform connections.
 */
export const shieldWeb: WebModule = {
  id: "shield",
  title: "Shield",
  pages: [
    {
      path: "/shield/campaigns",
      nav: "Campaigns",
      component: lazy(() => import("./CampaignsPage.tsx")),
    },
    {
      path: "/shield/decisions",
      nav: "Decisions",
      component: lazy(() => import("./DecisionsPage.tsx")),
    },
    { path: "/shield/audit", nav: "Audit trail", component: lazy(() => import("./AuditPage.tsx")) },
    {
      path: "/shield/invoices",
      nav: "Invoices",
      component: lazy(() => import("./InvoicesPage.tsx")),
    },
    {
      path: "/shield/platforms",
      nav: "Ad platforms",
      component: lazy(() => import("./PlatformsPage.tsx")),
    },
  ],
};
