import type { Params } from "./params.ts";
import type { StripeState } from "./store.ts";

/** The HTTP methods of Stripe's v1 API. */
export type Method = "GET" | "POST" | "DELETE";

/** What a handler gets. */
export interface RouteContext {
  state: StripeState;
  params: Params;
  /** The value of the path's `:param` (`/v1/customers/:id` → the customer id), or "". */
  id: string;
  /** The request path without its query string (a list's `url`). */
  url: string;
}

/** One endpoint. Handlers are synchronous: each request changes the state atomically. */
export interface Route {
  method: Method;
  /** `/v1/customers/:id`: one `:param` at most. */
  path: string;
  /** Top-level parameters the endpoint accepts besides `expand`; others are refused. */
  accepts: readonly string[];
  handle: (ctx: RouteContext) => object;
}

/** The pagination parameters every list accepts. */
export const LIST_PARAMS = ["limit", "starting_after", "ending_before", "created"] as const;

/** Shorthand for a `Route`. */
export function route(
  method: Method,
  path: string,
  accepts: readonly string[],
  handle: (ctx: RouteContext) => object,
): Route {
  return { method, path, accepts, handle };
}

/** The route for `method` and `path`, and the value of its `:param`, or null. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; id: string } | null {
  const parts = path.split("/");
  for (const r of routes) {
    if (r.method !== method) continue;
    const pattern = r.path.split("/");
    if (pattern.length !== parts.length) continue;
    let id = "";
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] ?? "";
      const actual = parts[i] ?? "";
      if (p.startsWith(":")) {
        if (actual === "") ok = false;
        else id = decodeURIComponent(actual);
      } else if (p !== actual) {
        ok = false;
      }
    }
    if (ok) return { route: r, id };
  }
  return null;
}
