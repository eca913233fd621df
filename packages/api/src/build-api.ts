import { randomFillSync } from "node:crypto";
import type { IncomingMessage } from "node:http";
import fastifyCors from "@fastify/cors";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import fastifyWebsocket from "@fastify/websocket";
import type { ProductId } from "@kamiyo/billing";
import Fastify from "fastify";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { AUTH_FAILURE_WINDOW_MS, authFailureKey, requireKeys } from "./access.ts";
import type { ApiModuleContext } from "./api-module.ts";
import type { ZodApp } from "./app-types.ts";
import { auditMutations } from "./audit-hook.ts";
import { Authenticator } from "./authenticate.ts";
import type { ApiConfig } from "./config.ts";
import { checkingIntervalMs, guardConnections } from "./connection-limits.ts";
import type { ApiDeps } from "./deps.ts";
import { clientErrors, errorHandler, sendError } from "./errors.ts";
import { ApiCallMeter } from "./limits/api-call-meter.ts";
import { LimitStore } from "./limits/limit-store.ts";
import { PlanCache } from "./limits/plan-cache.ts";
import { limitRequests } from "./limits/plan-limits.ts";
import { UsageQuota } from "./limits/usage-quota.ts";
import { Metrics } from "./metrics.ts";
import { refuseNul } from "./no-nul.ts";
import { ResponseCache } from "./response-cache.ts";
import { RouteTable } from "./route-table.ts";
import { billingRoutes } from "./routes/billing-routes.ts";
import { channelRoutes } from "./routes/channel-routes.ts";
import { eventRoutes } from "./routes/event-routes.ts";
import { figuresRoutes } from "./routes/figures-routes.ts";
import { plansRoutes } from "./routes/plans-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { streamRoutes } from "./routes/stream-routes.ts";
import { systemRoutes } from "./routes/system-routes.ts";
import { tenantRoutes } from "./routes/tenant-routes.ts";
import { usageRoutes } from "./routes/usage-routes.ts";
import { webhookRoutes } from "./routes/webhook-routes.ts";
import { StreamHub } from "./stream-hub.ts";

/**
 * The HTTP API: one Fastify app with zod schemas on every route (validation, serialization and
 * the OpenAPI 3.1 document come from them), one error envelope, optional API keys, rate limits,
 * CORS, Prometheus metrics and the live stream of findings.
 */
export async function buildApi(
  deps: ApiDeps,
  config: ApiConfig,
): Promise<{ app: ZodApp; metrics: Metrics; hub: StreamHub; routes: RouteTable }> {
  const ids = requestIds();
  const app = Fastify({
    logger: false,
    trustProxy: config.trustProxy,
    genReqId: ids,
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(config),
    },
    clientErrorHandler: clientErrors(ids, config),
    requestIdHeader: false,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();
  guardConnections(app.server, config, deps.log);
  const routes = new RouteTable();
  app.addHook("onRoute", (route) => {
    // Open routes (health, readiness, metrics, docs) are documented as needing no key, and are
    // not rate limited (so no limiter runs for them at all).
    if (route.config?.public === true) {
      route.config = { ...route.config, rateLimit: false };
      if (route.schema) route.schema = { ...route.schema, security: [] };
    }
    routes.add(route);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(deps.log));
  refuseNul(app);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    const allowed = routes.methodsOf(path);
    if (allowed.length === 0)
      return sendError(reply, req, "not_found", `no route ${req.method} ${path}`);
    reply.header("allow", allowed.join(", "));
    return sendError(
      reply,
      req,
      "method_not_allowed",
      `${req.method} is not allowed on ${path}; use ${allowed.join(", ")}`,
    );
  });

  const hub = new StreamHub(deps.feed, config, deps.clock);
  const cache = new ResponseCache({
    generation: () => deps.feed.generation,
    now: () => deps.clock.now(),
    ttlMs: config.responseCacheMs,
  });
  const caches = new Map<string, ResponseCache>([["events", cache]]);
  const metrics = new Metrics(deps, {
    streamClients: () => hub.clients,
    cacheLookups: () =>
      Object.fromEntries([...caches].map(([name, c]) => [name, c.counts] as const)),
  });
  const modules = deps.modules ?? [];
  const moduleContext: Omit<ApiModuleContext, "quota" | "settings" | "auth" | "authFailure"> = {
    deps,
    config,
    counter: (spec) => metrics.counter(spec),
    gauge: (spec) => metrics.gauge(spec),
    responseCache: (name, generation) => {
      const c = new ResponseCache({
        generation,
        now: () => deps.clock.now(),
        ttlMs: config.responseCacheMs,
      });
      caches.set(name, c);
      return c;
    },
    onClose: (fn) => {
      app.addHook("onClose", fn);
    },
  };
  deps.monitor?.onChange((c) => {
    metrics.findings.inc({
      detector: c.finding.detector,
      kind: c.finding.kind,
      severity: c.finding.severity,
      change: c.change,
    });
  });

  app.decorateRequest("apiKeyId", null);
  app.decorateRequest("sessionId", null);
  app.decorateRequest("ctx", null as never);
  app.addHook("onRequest", async (req, reply) => {
    reply.header("x-request-id", req.id);
  });
  app.addHook("onResponse", async (req, reply) => {
    // An upgrade answered with anything but 101 (401, 400, 404, 429…) leaves a socket Node no
    // longer reads: end it once the answer is written, or it sits in CLOSE-WAIT for ever.
    if (isUpgrade(req.raw)) req.raw.socket.destroy();
    const route = req.routeOptions.url ?? "unmatched";
    metrics.recordRequest(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  if (config.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: config.corsOrigins.includes("*") ? "*" : config.corsOrigins,
      methods: ["GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["content-type", "x-api-key", "authorization", "last-event-id"],
    });
  }

  const now = () => deps.clock.now();
  const limitStore = new LimitStore({ redisUrl: deps.redisUrl ?? null, log: deps.log, now });
  await limitStore.ready();
  const plans = new PlanCache({ db: deps.db, now });
  const meter = new ApiCallMeter({ db: deps.db, log: deps.log, now });
  const quota = new UsageQuota({
    db: deps.db,
    store: limitStore,
    plans,
    now,
    enforced: config.planLimits,
  });
  app.addHook("onClose", async () => {
    await meter.close();
    await limitStore.close();
  });
  // The limiters routes ask for themselves (failed authentications, alert-setting changes); the
  // per-request limits and quotas are the plan's (limitRequests), on the same counters.
  await app.register(fastifyRateLimit, {
    global: false,
    store: limitStore.asCtor(),
    hook: "preHandler",
    timeWindow: 60_000,
    keyGenerator: (req) => req.apiKeyId ?? `ip:${req.ip}`,
    enableDraftSpec: true,
    errorResponseBuilder: (req, ctx) =>
      Object.assign(
        new Error(
          `rate limit of ${ctx.max} requests a minute exceeded; retry in ${Math.ceil(ctx.ttl / 1000)} s`,
        ),
        {
          statusCode: 429,
          requestId: req.id,
        },
      ),
  });

  const auth = new Authenticator(deps, config.keyHashes);
  const failures = requireKeys(app, config, auth);
  limitRequests(app, { config, store: limitStore, plans, meter, now });
  auditMutations(app, deps);

  if (config.docs) {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "Kamiyo API",
          version: deps.version,
          description:
            "Security findings from the Kamiyo Hyperliquid monitor: HLP vaults, oracle and mark prices, liquidations, manipulation signals.",
        },
        components: {
          securitySchemes: {
            apiKey: { type: "apiKey", in: "header", name: "X-API-Key" },
            bearer: { type: "http", scheme: "bearer" },
            session: {
              type: "apiKey",
              in: "cookie",
              name: "kamiyo_session",
              description:
                "Set by POST /auth/session. Requests that change something must also send an Origin (or Referer) of this host.",
            },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }, { session: [] }],
        tags: [
          { name: "system", description: "Health, readiness, metrics and service information" },
          { name: "security", description: "Findings and the state behind them" },
          { name: "stream", description: "Live findings over Server-Sent Events or WebSocket" },
          ...modules.flatMap((m) => m.tags),
          {
            name: "tenants",
            description:
              "The caller's tenant, its API keys (roles, scopes, rotation) and audit log",
          },
          { name: "admin", description: "The platform operator's view of every tenant" },
          {
            name: "auth",
            description:
              "Signing in with email and password (a session cookie), signing out, changing one's password",
          },
          {
            name: "billing",
            description:
              "Subscriptions, checkout, plan changes with proration, the customer portal, invoices and Stripe's webhook",
          },
          {
            name: "webhooks",
            description:
              "Signed webhook endpoints (Standard Webhooks), their delivery logs, test sends and replays",
          },
          {
            name: "channels",
            description: "The tenant's Discord, Slack and Telegram subscriptions to alerts",
          },
          {
            name: "silences",
            description: "Mute alerts matching a detector, kind, subject or severity for a while",
          },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    app.addHook("onRoute", (route) => {
      if (route.url.startsWith("/docs"))
        route.config = { ...(route.config as object), public: true };
    });
    await app.register(fastifySwaggerUi, { routePrefix: "/docs", uiConfig: { deepLinking: true } });
  }
  // Streams never end on their own: close them before the server waits for open connections,
  // and before @fastify/websocket's own preClose closes WebSocket clients without a code.
  app.addHook("preClose", async () => hub.close());
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(async (scope) => {
    const s = scope.withTypeProvider<ZodTypeProvider>() as unknown as ZodApp;
    systemRoutes(s, deps, config, metrics, () => limitStore.state);
    await forProduct(s, "platform", (p) => {
      eventRoutes(p, deps, cache);
      streamRoutes(p, deps, hub);
    });
    webhookRoutes(s, deps, config);
    channelRoutes(s, deps, config);
    tenantRoutes(s, deps, { auth, plans });
    sessionRoutes(s, deps, { auth, failures });
    usageRoutes(s, deps);
    billingRoutes(s, deps, plans);
    plansRoutes(s);
    figuresRoutes(s, deps);
    for (const m of modules)
      await forProduct(s, m.product, (p) =>
        m.routes(p, {
          ...moduleContext,
          quota,
          settings: deps.moduleSettings?.[m.id],
          auth,
          authFailure: async (ip) => {
            // The counter requireKeys' limiter keeps for the address.
            const { current, ttl } = await limitStore.take(
              authFailureKey(ip),
              AUTH_FAILURE_WINDOW_MS,
            );
            return {
              limited: current > config.authFailuresPerMinute,
              retryAfterSeconds: Math.ceil(ttl / 1000),
            };
          },
        }),
      );
  });
  if (config.docs) {
    app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
  }
  return { app: app as unknown as ZodApp, metrics, hub, routes };
}

/**
 * Registers routes of one product: their `config.product` names it, so the plan of that product
 * governs them (limitRequests).
 */
async function forProduct(
  app: ZodApp,
  product: ProductId,
  routes: (app: ZodApp) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, product };
    });
    await routes(scope as unknown as ZodApp);
  });
}

/**
 * Request ids `req_` + 16 random hex digits, taken from a pool refilled 512 ids at a time: a
 * `randomBytes(8)` call per request cost about 3 µs of the roughly 20 µs a `/health` request takes.
 */
function requestIds(): () => string {
  const pool = Buffer.alloc(8 * 512);
  let at = pool.length;
  return () => {
    if (at === pool.length) {
      randomFillSync(pool);
      at = 0;
    }
    at += 8;
    return `req_${pool.toString("hex", at - 8, at)}`;
  };
}

/** Node's rule for an upgrade request (the server then emits 'upgrade' instead of 'request'). */
function isUpgrade(raw: IncomingMessage): boolean {
  return raw.headers.upgrade !== undefined && /\bupgrade\b/i.test(raw.headers.connection ?? "");
}
