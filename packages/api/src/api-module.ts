import type { ProductId } from "@kamiyo/billing";
import type { z } from "zod";
import type { ZodApp } from "./app-types.ts";
import type { Authenticator } from "./authenticate.ts";
import type { ApiConfig } from "./config.ts";
import type { ApiDeps } from "./deps.ts";
import type { UsageQuota } from "./limits/usage-quota.ts";
import type { Metrics } from "./metrics.ts";
import type { ResponseCache } from "./response-cache.ts";

/**
 * What a product module brings to the HTTP API: its routes (with their zod schemas, so they are
 * validated and documented like the platform's), the OpenAPI tags they use, and optionally a
 * section of `GET /stats`. The app lists the modules it serves in `ApiDeps.modules`; the
 * platform's authentication, scopes, audit log, rate limits and error envelope apply to their
 * routes as to every other.
 */
export interface ApiModule {
  /** The module's name: `intel`, `hyperliquid`… */
  id: string;
  /**
   * The product its routes belong to: that product's plan (else the platform edition) sets their
   * rate, daily quota and metering (the Hyperliquid monitor is the platform's, `platform`).
   */
  product: ProductId;
  tags: readonly { name: string; description: string }[];
  /** Registers the module's routes (in the authenticated scope, after the platform's). */
  routes(app: ZodApp, ctx: ApiModuleContext): void | Promise<void>;
  /** Its sections of `GET /stats`. */
  stats?: readonly StatsSection[];
  /** Figures anyone may see (`GET /figures`, the landing page): counts of public data only. */
  figures?: readonly PublicFigure[];
  /** What it adds to `GET /meta` (what it watches). */
  meta?: MetaSection;
  /**
   * The data time of the newest data its pipeline stored, epoch ms (null: none yet). `/ready`
   * reports the lag of the newest across modules and flags it past `API_DATA_STALE_MS`.
   */
  newestDataAt?(deps: ApiDeps): Promise<number | null>;
}

/** One public figure: a count over public data (never a tenant's own), with how it reads. */
export interface PublicFigure {
  key: string;
  label: string;
  load(deps: ApiDeps): Promise<number>;
}

/** Keys a module adds to `GET /meta`, each with its schema. */
export interface MetaSection {
  schema: Record<string, z.ZodType>;
  load(deps: ApiDeps): Promise<Record<string, unknown>>;
}

/** A section of `GET /stats`, under `key`, with query parameters of its own. */
export interface StatsSection {
  key: string;
  query: Record<string, z.ZodType>;
  schema: z.ZodType;
  load(deps: ApiDeps, query: Record<string, unknown>): Promise<unknown>;
}

/** What a module's routes are built with. */
export interface ApiModuleContext {
  deps: ApiDeps;
  config: ApiConfig;
  /**
   * A response cache whose entries live until `generation` changes (or `API_RESPONSE_CACHE_MS`),
   * counted in `/metrics` under `name`.
   */
  responseCache(name: string, generation: () => number): ResponseCache;
  /** Runs `fn` when the API closes. */
  onClose(fn: () => Promise<void>): void;
  /**
   * Quotas on amounts of the plan (events a day, queries a period): reserve before the work, a
   * refusal is a 429 with `Retry-After`.
   */
  quota: UsageQuota;
  /** The module's own settings as the app parsed them (`ProductModule.settings`), if any. */
  settings: unknown;
  /** Adds the module's counters to `/metrics`. */
  counter: Metrics["counter"];
  /** Adds the module's gauges to `/metrics`, read at each scrape. */
  gauge: Metrics["gauge"];
  /**
   * The API's authenticator (keys, sessions, revocation, its cache): for a module's servers beside
   * HTTP (gRPC), so a key means the same everywhere.
   */
  auth: Authenticator;
  /**
   * Counts a failed authentication from `ip` against the HTTP API's per-address limit
   * (`API_AUTH_FAILURES_PER_MINUTE`, the same counter): `limited` once past it, to be refused
   * with the retry delay as HTTP answers 429.
   */
  authFailure(ip: string): Promise<{ limited: boolean; retryAfterSeconds: number }>;
}
