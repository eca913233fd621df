import type { ApiModule } from "@kamiyo/api";
import { shieldSettings } from "../settings.ts";
import { outcomeRoutes } from "./outcome-routes.ts";

/**
 * Shield in the HTTP API (product `shield`): its routes under `/shield/`, each file in this folder
 * a group registered here (`outcome-routes.ts`: outcomes, billing terms, invoices), and its gRPC services started beside them when SHIELD_GRPC_PORT is set.
 */
export const shieldApi: ApiModule = {
  id: "shield",
  product: "shield",
  tags: [
    {
      name: "shield",
      description:
        "Ad-spend governance: customers' predicted lifetime value, the policy check every bid passes, the audit trail of decisions, outcome billing",
    },
  ],
  async routes(app, ctx) {
    shieldSettings.parse(ctx.settings ?? {});
    outcomeRoutes(app, ctx.deps);
  },
};
