import type { ApiModule } from "@kamiyo/api";
import { rcaRoutes } from "./rca-routes.ts";

/**
 * Kubernetes RCA in the HTTP API: `/rca/resources`, `/rca/neighbourhood`, `/rca/events`,
 * `/rca/incidents`, `/rca/analyses`.
 */
export const rcaApi: ApiModule = {
  id: "rca",
  product: "rca",
  tags: [
    {
      name: "rca",
      description:
        "The tenant's Kubernetes knowledge graph (resources, relations, events) and root-cause analyses",
    },
  ],
  routes(app, ctx) {
    rcaRoutes(app, ctx.deps);
  },
};
