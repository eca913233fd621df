import { entitlementsOf, subscriptionsOf } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import type { ApiConfig } from "../config.ts";

/**
 * Refuses one more of a tenant's channels past its limit: the most generous its plans in force set
 * for webhook endpoints (the catalog: intel_team 5, intel_enterprise 50, intel_free and intel_pro
 * none), or the install's `API_MAX_WEBHOOKS` when no plan sets one. Runs in the creating
 * transaction, after the tenant's row is locked, with the count of what it already has.
 * @throws AppError("conflict") naming the limit and where it comes from.
 */
export async function refuseOverChannelLimit(
  tx: Queryable,
  tenantId: string,
  config: ApiConfig,
  what: "webhook endpoint" | "chat channel",
  count: number,
): Promise<void> {
  const most = entitlementsOf(await subscriptionsOf(tx, tenantId)).most("webhooks");
  const limit = most?.limit ?? config.maxWebhooks;
  if (count < limit) return;
  const by = most ? `the ${most.plan.id} plan` : "this install (API_MAX_WEBHOOKS)";
  throw new AppError(
    "conflict",
    limit === 0
      ? `${what} limit reached: ${by} allows none; upgrade to add one`
      : `${what} limit reached: ${by} allows ${limit}; delete one first`,
  );
}
