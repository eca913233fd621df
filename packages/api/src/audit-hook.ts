import type { Logger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { recordAudit } from "@kamiyo/tenancy";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { withRouteHook } from "./route-hooks.ts";

const SHOWN_ONCE = ["secret", "key", "apiKey"];

/**
 * Writes the audit log: every route with `config.audit` that succeeds (2xx) appends
 * `{actor, tenant, action, target, request id, time, before/after hashes}`. The target is the
 * route's `:id` (or the created resource's `id`); `after` is the response body (none for 204),
 * `before` what `config.audit.before` loaded before the handler ran.
 * A data feed says `audit: false` (its usage is metered instead).
 * @throws Error at start-up for a route that changes something without an audit action.
 */
export function auditMutations(
  app: FastifyInstance,
  deps: { db: Db; requestDb?: Db; clock: { now(): number }; log: Logger },
): void {
  const before = new WeakMap<FastifyRequest, unknown>();
  app.addHook("onRoute", (route) => {
    const methods = [route.method].flat();
    const mutates = methods.some((m) => m !== "GET" && m !== "HEAD");
    if (!mutates || route.config?.public) return;
    const spec = route.config?.audit;
    if (spec === false) return;
    if (!spec) throw new Error(`route ${route.url} changes something: give it a config.audit`);
    if (spec.before)
      withRouteHook(route, "preHandler", async (req: FastifyRequest) => {
        before.set(req, await spec.before?.(req).catch(() => null));
      });
    withRouteHook(
      route,
      "onSend",
      async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
        if (reply.statusCode >= 300) return payload;
        const after =
          typeof payload === "string" && payload.length > 0 ? JSON.parse(payload) : null;
        // Secrets shown once (a webhook's signing secret, a new API key) stay out even of the hash.
        if (after && typeof after === "object") for (const k of SHOWN_ONCE) delete after[k];
        const params = req.params as { id?: string; product?: string } | undefined;
        try {
          await recordAudit(tenantDb(deps.requestDb ?? deps.db, req.ctx.tenantId), {
            tenantId: req.ctx.tenantId,
            actor: req.ctx.actor,
            action: spec.action,
            target: auditTarget(params, after),
            requestId: req.id,
            before: before.get(req) ?? null,
            after,
            nowMs: deps.clock.now(),
          });
        } catch (err) {
          deps.log.error(
            { requestId: req.id, action: spec.action, error: String(err) },
            "could not write the audit log",
          );
        }
        return payload;
      },
    );
  });
}

/**
 * What a change was made to: the route's `:id` or `:product`, else the answer's `id`, `userId` (a
 * member), `product` (a subscription) or tenant; "-" when none says.
 */
function auditTarget(
  params: { id?: string; product?: string } | undefined,
  after: Record<string, unknown> | null,
): string {
  const from = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
  const tenant = after?.tenant as { id?: unknown } | undefined;
  const subscription = after?.subscription as { product?: unknown } | undefined;
  return (
    params?.id ??
    params?.product ??
    from(after?.id) ??
    from(after?.userId) ??
    from(after?.product) ??
    from(subscription?.product) ??
    from(tenant?.id) ??
    "-"
  );
}
