import type { Scope } from "@kamiyo/tenancy";
import type { RouteOptions } from "fastify";
import { scopeOf } from "./access.ts";

/** One method of one route, as registered. */
export interface RouteEntry {
  method: string;
  /** Fastify's pattern, e.g. `/webhooks/:id`. */
  url: string;
  /** Open to anyone when API keys are configured (`config.public`). */
  public: boolean;
  /** The scope a key needs (null for open routes). */
  scope: Scope | null;
  /** Only the platform operator may call it. */
  operator: boolean;
}

/**
 * Every route of the app, recorded from Fastify's `onRoute` hook as routes are added: tells which
 * methods a path has (a 405 names them in `Allow`), and lets tests cover every route there is.
 */
export class RouteTable {
  readonly #entries: RouteEntry[] = [];
  readonly #patterns: { pattern: RegExp; method: string }[] = [];

  /** The recorded routes, one entry per method. */
  get entries(): readonly RouteEntry[] {
    return this.#entries;
  }

  add(route: RouteOptions): void {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = toRegExp(route.url);
    for (const method of methods) {
      this.#entries.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        scope: route.config?.public === true ? null : scopeOf(method, route.config),
        operator: route.config?.operator === true,
      });
      this.#patterns.push({ pattern, method });
    }
  }

  /** Methods of the routes matching `path` (without its query), sorted; empty when none does. */
  methodsOf(path: string): string[] {
    const methods = new Set<string>();
    for (const p of this.#patterns) if (p.pattern.test(path)) methods.add(p.method);
    return [...methods].sort();
  }
}

/** `/webhooks/:id` → /^\/webhooks\/[^/]+\/?$/ (trailing slashes are ignored, as the router does). */
function toRegExp(url: string): RegExp {
  const body = url
    .replace(/\/$/, "")
    .split("/")
    .map((part) =>
      part.startsWith(":")
        ? "[^/]+"
        : part === "*"
          ? ".*"
          : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${body}/?$`);
}
