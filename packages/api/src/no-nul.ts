import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { sendError } from "./errors.ts";
import { withRouteHook } from "./route-hooks.ts";

/**
 * Refuses NUL characters (U+0000) in every string a request carries into a route, query
 * parameters, path parameters and JSON bodies (keys too), with a 400 naming the parameter:
 * PostgreSQL cannot store them in text, so they would otherwise fail deep inside as a 500.
 * Adds a `preValidation` hook (after the body is parsed, before the route's schemas) to every
 * route registered later that takes any input; a GET with no parameters (`/health`) runs none.
 */
export function refuseNul(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (takesInput(route)) withRouteHook(route, "preValidation", check);
  });
}

async function check(req: FastifyRequest, reply: FastifyReply) {
  const where =
    nulAt(req.query, "query parameter") ??
    nulAt(req.params, "path parameter") ??
    nulAt(req.body, "body");
  if (where)
    return sendError(reply, req, "invalid_input", `${where}: must not contain NUL characters`);
}

/** A route with a query string, path parameters or a body (any method but GET and HEAD). */
function takesInput(route: RouteOptions): boolean {
  const methods = [route.method].flat();
  return (
    methods.some((m) => m !== "GET" && m !== "HEAD") ||
    /[:*]/.test(route.url) ||
    route.schema?.querystring !== undefined ||
    route.schema?.params !== undefined
  );
}

/** `query parameter "subject"` for the first string holding a NUL under `value`, or null. */
function nulAt(value: unknown, what: string, path: string[] = []): string | null {
  const name = () => `${what} "${path.join(".") || "(root)"}"`;
  if (typeof value === "string") return value.includes("\u0000") ? name() : null;
  if (value === null || typeof value !== "object") return null;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes("\u0000"))
      return `${what} "${[...path, key.replaceAll("\u0000", "\\0")].join(".")}"`;
    const found = nulAt(inner, what, [...path, key]);
    if (found) return found;
  }
  return null;
}
