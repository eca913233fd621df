import type { ApiModule } from "@kamiyo/api";
import { shieldSettings } from "../settings.ts";

/**
 * Shield in the HTTP API (product `shield`): its routes under `/shield/`, each file in this folder
 * a group registered here, and its gRPC services started beside them when SHIELD_GRPC_PORT is set.
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
  async routes(_app, ctx) {
    shieldSettings.parse(ctx.settings ?? {});
  },
};
