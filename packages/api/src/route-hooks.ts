import type { RouteOptions } from "fastify";

type HookName = "onRequest" | "preValidation" | "preHandler" | "onSend";

/**
 * Adds a hook to one route (in an `onRoute` hook) after the route's own: route-level hooks cost
 * the routes that need them only, where a global hook runs on every request, `/health` included.
 * Assigns a new array, since Fastify's automatic HEAD route starts from the same options.
 */
export function withRouteHook<H>(route: RouteOptions, name: HookName, hook: H): void {
  const own = route[name] as unknown;
  route[name] = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), hook] as never;
}
