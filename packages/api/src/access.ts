import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiKeyVerifier } from "./api-keys.ts";
import type { ApiConfig } from "./config.ts";
import { sendError } from "./errors.ts";
import { withRouteHook } from "./route-hooks.ts";

/**
 * Requires a valid API key (`X-API-Key` or `Authorization: Bearer`) on every route but the open
 * ones (`config.public`: health, readiness, metrics, docs), which ignore keys, a wrong one
 * included. Failed authentications (a missing or wrong key) count per client IP: past
 * `config.authFailuresPerMinute` they are answered 429 with Retry-After; a valid key always passes.
 * Adds an `onRequest` hook to every route registered later; call after `@fastify/rate-limit` is
 * registered (its store counts the failures) and before the routes.
 */
export function requireKeys(app: FastifyInstance, config: ApiConfig): void {
  const keys = new ApiKeyVerifier(config.keyHashes);
  if (!keys.enabled) return;
  const failures = app.createRateLimit({
    max: config.authFailuresPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `ip:${req.ip}`,
    allowList: () => false,
  });
  // On each route but those open when added (an unknown path is answered 404 or 405 whatever the
  // key); the docs routes are marked open as they are added, so the check still asks.
  app.addHook("onRoute", (route) => {
    if (route.config?.public !== true) withRouteHook(route, "onRequest", check);
  });
  async function check(req: FastifyRequest, reply: FastifyReply) {
    if (req.routeOptions.config?.public) return;
    const presented = req.headers["x-api-key"] ?? bearer(req.headers.authorization);
    const given = typeof presented === "string" && presented.length > 0;
    req.apiKeyId = given ? keys.verify(presented) : null;
    if (req.apiKeyId) return;
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
      given
        ? "the API key is not valid"
        : "an API key is required: X-API-Key header or Authorization: Bearer",
    );
  }
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}
