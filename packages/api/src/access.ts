import { allows, type Scope } from "@kamiyo/tenancy";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Authenticator } from "./authenticate.ts";
import type { ApiConfig } from "./config.ts";
import { fromSameOrigin, readCookie, SESSION_COOKIE, setSessionCookie } from "./cookie.ts";
import { sendError } from "./errors.ts";
import { withRouteHook } from "./route-hooks.ts";

/** The scope a route needs: its `config.scope`, or `read` for GET and HEAD. */
export function scopeOf(method: string, config: { scope?: Scope } | undefined): Scope | null {
  if (config?.scope) return config.scope;
  return method === "GET" || method === "HEAD" ? "read" : null;
}

/**
 * Counts a failed authentication of the request's client IP (`{ increment: false }`: only reads
 * the count); `isExceeded` once past `API_AUTH_FAILURES_PER_MINUTE`.
 */
export type FailureLimiter = ReturnType<FastifyInstance["createRateLimit"]>;

/** The counter of an address's failed authentications (`LimitStore` key), a minute long. */
export const authFailureKey = (ip: string): string => `ip:${ip}`;
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/**
 * Authenticates every route but the open ones (`config.public`: health, readiness, metrics,
 * docs): the key (`X-API-Key` or `Authorization: Bearer`), else the session cookie, becomes
 * `req.ctx`, the request's `{tenant, actor, role, scopes}`; then the route's scope (and
 * `config.operator`) is checked. A request signed in by cookie that changes something (any method
 * but GET and HEAD, or a WebSocket handshake) must name this host as its `Origin` (or `Referer`),
 * else 403: another site cannot act with a browser's cookie. No key is needed while none exists
 * (see {@link Authenticator}). Failed authentications count per client IP: past
 * `config.authFailuresPerMinute` they are answered 429 with Retry-After.
 * Adds an `onRequest` hook to every route registered later; call after `@fastify/rate-limit` is
 * registered (its store counts the failures) and before the routes.
 * @returns the failed-authentication limiter, which sign-in counts its failures against too.
 * @throws Error at start-up for a route that changes something without naming its scope.
 */
export function requireKeys(
  app: FastifyInstance,
  config: ApiConfig,
  auth: Authenticator,
): FailureLimiter {
  const failures = app.createRateLimit({
    max: config.authFailuresPerMinute,
    timeWindow: AUTH_FAILURE_WINDOW_MS,
    keyGenerator: (req) => authFailureKey(req.ip),
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
    const header = req.headers["x-api-key"] ?? bearer(req.headers.authorization);
    const presented = typeof header === "string" && header.length > 0 ? header : undefined;
    const session = presented ? undefined : readCookie(req, SESSION_COOKIE);
    const result = await auth.authenticate(presented, session);
    if (result.ok) {
      req.ctx = result.ctx;
      req.apiKeyId = result.ctx.actor === "local" ? null : result.ctx.actor;
      req.sessionId = result.sessionId ?? null;
      if (result.sessionId && changes(req) && !fromSameOrigin(req))
        return sendError(
          reply,
          req,
          "forbidden",
          "a request signed in with the session cookie that changes something must come from this site: send an Origin (or Referer) header with this host",
        );
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
    if (result.reason === "session") setSessionCookie(req, reply, "", 0);
    return sendError(
      reply,
      req,
      "unauthorized",
      result.reason === "invalid"
        ? "the API key is not valid (unknown, revoked or expired)"
        : result.reason === "session"
          ? "the session is over (signed out, expired, or no longer a member): sign in again"
          : "an API key is required: X-API-Key header or Authorization: Bearer, or sign in (POST /auth/session)",
    );
  }
  return failures;
}

/** A method that may change something, or a WebSocket handshake (a GET that opens a channel). */
function changes(req: FastifyRequest): boolean {
  return (req.method !== "GET" && req.method !== "HEAD") || req.headers.upgrade !== undefined;
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
