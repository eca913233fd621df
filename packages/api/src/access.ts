import { allows, type Scope } from "@kamiyo/tenancy";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Authenticator } from "./authenticate.ts";
import type { ApiConfig } from "./config.ts";
import { sendError } from "./errors.ts";
import { withRouteHook } from "./route-hooks.ts";

/** The scope a route needs: its `config.scope`, or `read` for GET and HEAD. */
export function scopeOf(method: string, config: { scope?: Scope } | undefined): Scope | null {
  if (config?.scope) return config.scope;
  return method === "GET" || method === "HEAD" ? "read" : null;
}

/**
 * Authenticates every route but the open ones (`config.public`: health, readiness, metrics,
 * docs): the key (`X-API-Key` or `Authorization: Bearer`) becomes `req.ctx`, the request's
 * `{tenant, actor, role, scopes}`; then the route's scope (and `config.operator`) is checked.
 * No key is needed while none exists (see {@link Authenticator}). Failed authentications count
 * per client IP: past `config.authFailuresPerMinute` they are answered 429 with Retry-After.
 * Adds an `onRequest` hook to every route registered later; call after `@fastify/rate-limit` is
 * registered (its store counts the failures) and before the routes.
 * @throws Error at start-up for a route that changes something without naming its scope.
 */
export function requireKeys(app: FastifyInstance, config: ApiConfig, auth: Authenticator): void {
  const failures = app.createRateLimit({
    max: config.authFailuresPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `ip:${req.ip}`,
    allowList: () => false,
  });
  // On each route but those open when added (an unknown path is answered 404 or 405 whatever the
  // key); the docs routes are marked open as they are added, so the check still asks.
  app.addHook("onRoute", (route) => {
    if (route.config?.public === true) return;
    for (const method of [route.method].flat())
      if (!scopeOf(method, route.config))
        throw new Error(`route ${method} ${route.url} changes something: give it a config.scope`);
    withRouteHook(route, "onRequest", check);
  });
  async function check(req: FastifyRequest, reply: FastifyReply) {
    const config = req.routeOptions.config;
    if (config?.public) return;
    const presented = req.headers["x-api-key"] ?? bearer(req.headers.authorization);
    const result = await auth.authenticate(typeof presented === "string" ? presented : undefined);
    if (result.ok) {
      req.ctx = result.ctx;
      req.apiKeyId = result.ctx.actor === "local" ? null : result.ctx.actor;
      const scope = scopeOf(req.method, config) as Scope;
      if (config?.operator && !result.ctx.operator)
        return sendError(reply, req, "forbidden", "this route is for the platform operator");
      if (!allows(result.ctx, scope))
        return sendError(
          reply,
          req,
          "forbidden",
          `this key (role ${result.ctx.role}) does not have the scope "${scope}" this route needs`,
        );
      return;
    }
    const failed = await failures(req);
    if (!failed.isAllowed && failed.isExceeded) {
      reply.header("retry-after", failed.ttlInSeconds);
      return sendError(
        reply,
        req,
        "rate_limited",
        `too many failed authentications from this address; retry in ${failed.ttlInSeconds} s`,
      );
    }
    return sendError(
      reply,
      req,
      "unauthorized",
      result.reason === "invalid"
        ? "the API key is not valid (unknown, revoked or expired)"
        : "an API key is required: X-API-Key header or Authorization: Bearer",
    );
  }
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
