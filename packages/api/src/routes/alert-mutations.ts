import type { preHandlerAsyncHookHandler } from "fastify";
import type { AuditSpec, ZodApp } from "../app-types.ts";
import type { ApiConfig } from "../config.ts";

/**
 * Route options for one group's changes to alert settings (webhooks and silences; chat
 * channels): the group's mutations share one budget per key or IP (one limiter's store) instead
 * of the general per-route limit, need the `alerts:write` scope, and name their audit-log action.
 */
export function alertMutations(app: ZodApp, config: ApiConfig) {
  const budget = (app as unknown as { rateLimit(o: object): preHandlerAsyncHookHandler }).rateLimit(
    { max: config.webhookMutationsPerMinute, timeWindow: 60_000 },
  );
  return (action: string, before?: AuditSpec["before"]) =>
    ({
      preHandler: budget,
      config: { rateLimit: false, scope: "alerts:write", audit: { action, before } },
    }) as const;
}
