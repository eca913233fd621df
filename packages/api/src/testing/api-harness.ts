import { lookup } from "node:dns/promises";
import type { Resolver } from "@kamiyo/alerts";
import type { EditionId } from "@kamiyo/billing";
import type { Finding, Logger, Severity } from "@kamiyo/core";
import { SecretBox, silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, type MigrationSource, upsertFindings } from "@kamiyo/db";
import { type AnyMonitorConfig, type Monitor, monitorConfigFor } from "@kamiyo/monitor";
import { createApiKey } from "@kamiyo/tenancy";
import { createTestDb } from "@kamiyo/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ApiModule } from "../api-module.ts";
import type { ZodApp } from "../app-types.ts";
import { buildApi } from "../build-api.ts";
import { type ApiConfig, apiConfig } from "../config.ts";
import type { ApiDeps } from "../deps.ts";
import { FindingFeed } from "../feed.ts";
import type { RouteTable } from "../route-table.ts";

export const NOW = Date.UTC(2025, 2, 12, 9, 0);
export const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
export const LIQ = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const MIN = 60_000;

export interface Harness {
  app: ZodApp;
  db: Db;
  deps: ApiDeps;
  clock: VirtualClock;
  feed: FindingFeed;
  /** Every route of the app, one entry per method. */
  routes: RouteTable;
  /** Throws unless `body` matches the OpenAPI response schema of the route, method and status. */
  expectValid(method: string, route: string, status: number, body: unknown): void;
  /**
   * `GET url`, which must answer `status` (default 200) with a body valid for `route` (its
   * OpenAPI pattern, e.g. `/exploits/{id}`).
   * @returns the parsed body.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a body checked against its schema, read freely by tests (as light-my-request's json())
  get(url: string, route: string, status?: number): Promise<any>;
  close(): Promise<void>;
}

/** A key of the platform operator (the default tenant's owner, `operator: true`), for admin routes. */
export async function createOperatorKey(db: Db): Promise<string> {
  const made = await createApiKey(db, {
    tenantId: "ten_default",
    name: "operator",
    role: "owner",
    operator: true,
    createdBy: "test",
    nowMs: NOW,
  });
  return made.key;
}

/** A finding as the monitor would store it. */
export function finding(i: number, over: Partial<Finding> = {}): Finding {
  const severities: Severity[] = ["medium", "high", "critical", "low"];
  const detected = NOW - i * MIN;
  return {
    id: `fnd_${detected.toString(36).padStart(9, "0")}${i.toString(16).padStart(12, "0")}`,
    tenantId: "ten_default",
    detector: ["oracle", "liquidations", "hlp", "manipulation"][i % 4] as string,
    kind: ["deviation", "cascade", "inherited-position", "funding-spike"][i % 4] as string,
    subject: { type: "asset", id: ["ETH", "BTC", "SOL"][i % 3] as string },
    key: "",
    severity: severities[i % 4] as Severity,
    status: i % 5 === 0 ? "resolved" : "open",
    title: `finding ${i}`,
    evidence: { n: i, deviationPct: 0.4 },
    firstDataAt: detected - 30_000,
    dataAt: detected,
    detectedAt: detected,
    updatedAt: detected,
    resolvedAt: i % 5 === 0 ? detected + 1_000 : null,
    occurrences: 1 + (i % 3),
    ...over,
  };
}

/** Findings a running monitor would have written (a module seeds its own tables: `apiHarness({ seed })`). */
export async function seed(db: Db, findings = 120): Promise<void> {
  const fs = Array.from({ length: findings }, (_, i) => finding(i));
  fs.push(
    finding(1000, {
      id: "fnd_lossparent000000000001",
      detector: "hlp",
      kind: "pnl-loss",
      subject: { type: "vault", id: HLP },
      severity: "critical",
      title: "HLP lost $3.5M in 24 h",
      evidence: {
        pnl1hUsd: -2_500_000,
        pnl24hUsd: -3_500_000,
        pnl7dUsd: -2_000_000,
        pnl30dUsd: 1_000_000,
      },
      detectedAt: NOW - 5 * MIN,
      updatedAt: NOW - 5 * MIN,
      status: "open",
      resolvedAt: null,
    }),
    finding(1001, {
      id: "fnd_lossliquid000000000002",
      detector: "hlp",
      kind: "inherited-position",
      subject: { type: "vault", id: LIQ },
      key: "ETH",
      severity: "critical",
      title: "HLP Liquidator holds 160,234 ETH long",
      evidence: { unrealizedPnlUsd: -1_000_000, worstUnrealizedPnlUsd: -6_800_000 },
      detectedAt: NOW - 40 * MIN,
      updatedAt: NOW - 40 * MIN,
    }),
  );
  await upsertFindings(db, fs);
}

/**
 * Host names as the API resolves them in tests: the IANA example domains (`example.com`,
 * `example.org` and their subdomains, which tests use as webhook receivers) answer with
 * example.com's public address without a network; every other name goes to the system resolver
 * (`localhost` and this machine's own name resolve locally).
 */
export const testResolver: Resolver = async (host) => {
  if (/(^|\.)example\.(com|org)$/i.test(host)) return [{ address: "93.184.215.14", family: 4 }];
  return lookup(host, { all: true });
};

/** The API on a fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL), seeded unless told not to. */
export async function apiHarness(
  options: {
    config?: Partial<ApiConfig>;
    seeded?: boolean;
    /** Called after each query the API makes (to act while a request is in flight). */
    afterQuery?: () => void;
    /** The API's logger (default: silent). */
    log?: Logger;
    /** The edition (default open_source). */
    plan?: EditionId;
    /** A monitor in the process (default none, as `kamiyo serve --role api,deliver`). */
    monitor?: Monitor;
    /** Product modules whose routes to serve (default none: the platform's routes only). */
    modules?: readonly ApiModule[];
    /** Their tables: migrations applied after the platform's (default none). */
    migrations?: readonly MigrationSource[];
    /** Seeds the modules' own data after the platform's findings (unless `seeded: false`). */
    seed?: (db: Db) => Promise<void>;
    /** Where tenant transactions run (ApiDeps.requestDb; default the test database). */
    requestDb?: Db;
    /** The monitor settings as an app composed them (default: a pipeline with no plug-ins). */
    monitorConfig?: AnyMonitorConfig;
    /** The monitor's plug-ins as an app composed them (default none). */
    plugins?: ApiDeps["plugins"];
    /** Redis for the limit counters (ApiDeps.redisUrl; default none: in memory). */
    redisUrl?: string;
    /** Billing through Stripe (ApiDeps.billing; default none). */
    billing?: ApiDeps["billing"];
    /** The modules' settings by module id, as the app parsed them (ApiDeps.moduleSettings). */
    moduleSettings?: ApiDeps["moduleSettings"];
    /** An in-process delivery worker's counters (ApiDeps.deliveryStats; default none). */
    deliveryStats?: ApiDeps["deliveryStats"];
    /** The key ring secrets are stored with (ApiDeps.secrets; default a random key; null: none). */
    secrets?: SecretBox | null;
  } = {},
): Promise<Harness> {
  const db = await createTestDb({ modules: options.migrations ?? [] });
  if (options.seeded !== false) {
    await seed(db);
    await options.seed?.(db);
  }
  const afterQuery = options.afterQuery;
  const clock = new VirtualClock(NOW);
  const feed = new FindingFeed();
  const deps: ApiDeps = {
    db: afterQuery ? observed(db, afterQuery) : db,
    log: options.log ?? silentLogger,
    clock,
    tenantId: "ten_default",
    monitor: options.monitor ?? null,
    monitorConfig:
      options.monitorConfig ?? monitorConfigFor({ sources: {}, detectors: {} }).parse({}),
    plan: options.plan ?? "open_source",
    feed,
    version: "0.1.0",
    startedAt: NOW - 3_600_000,
    resolveHost: testResolver,
    requestDb: options.requestDb,
    modules: options.modules ?? [],
    plugins: options.plugins,
    monitoredChains: [{ chain: "hyperliquid", name: "Hyperliquid" }],
    redisUrl: options.redisUrl ?? null,
    billing: options.billing ?? null,
    secrets: options.secrets === undefined ? SecretBox.random() : options.secrets,
    ...(options.moduleSettings && { moduleSettings: options.moduleSettings }),
    ...(options.deliveryStats && { deliveryStats: options.deliveryStats }),
  };
  const { app, routes } = await buildApi(deps, apiConfig.parse(options.config ?? {}));
  await app.ready();
  const doc = app.swagger() as unknown as {
    paths: Record<
      string,
      Record<
        string,
        { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
      >
    >;
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: "openapi", components: doc.components });
  const compiled = new Map<string, ReturnType<Ajv2020["compile"]>>();
  const expectValid = (method: string, route: string, status: number, body: unknown) => {
    const key = `${method} ${route} ${status}`;
    let validate = compiled.get(key);
    if (!validate) {
      const schema =
        doc.paths[route]?.[method.toLowerCase()]?.responses[String(status)]?.content?.[
          "application/json"
        ]?.schema;
      if (!schema) throw new Error(`no documented ${status} response for ${method} ${route}`);
      const rewritten = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'),
      );
      validate = ajv.compile(rewritten);
      compiled.set(key, validate);
    }
    if (!validate(body))
      throw new Error(`${key} does not match its schema: ${ajv.errorsText(validate.errors)}`);
  };
  return {
    app,
    db,
    deps,
    clock,
    feed,
    routes,
    expectValid,
    async get(url, route, status = 200) {
      const res = await app.inject({ method: "GET", url });
      if (res.statusCode !== status)
        throw new Error(
          `GET ${url}: ${res.statusCode}, expected ${status}: ${res.body.slice(0, 300)}`,
        );
      const body = res.json();
      expectValid("GET", route, status, body);
      return body;
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** `db` with `fn` called after each of its queries resolves. */
function observed(db: Db, fn: () => void): Db {
  return new Proxy(db, {
    get(target, key) {
      if (key === "query")
        return async (...args: Parameters<Db["query"]>) => {
          const result = await target.query(...args);
          fn();
          return result;
        };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
