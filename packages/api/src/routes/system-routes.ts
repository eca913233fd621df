import { EDITION_IDS, type EditionId } from "@kamiyo/billing";
import { describeError } from "@kamiyo/core";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiConfig } from "../config.ts";
import type { ApiDeps } from "../deps.ts";
import { jsonText, sendJsonText } from "../json-body.ts";
import type { LimitStoreState } from "../limits/limit-store.ts";
import type { Metrics } from "../metrics.ts";
import { errorResponses, intParam } from "../schemas/common.ts";
import { meta, stats } from "../services/stats.ts";

const sourceState = z.object({
  status: z.enum(["starting", "up", "degraded", "down"]),
  detail: z.string(),
  lastDataAt: z.string().nullable(),
});

const readySchema = z.object({
  ready: z.boolean(),
  database: z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().nullable() }),
  monitorInProcess: z.boolean(),
  sources: z
    .record(z.string(), sourceState)
    .nullable()
    .describe("null when no monitor runs in this process"),
  dataLagS: z.number().nullable().describe("Seconds since the newest stored market sample"),
  lagging: z.boolean().describe("Market data older than the configured staleness limit"),
  limits: z
    .object({
      backend: z
        .enum(["redis", "memory"])
        .describe(
          "Where rate-limit and quota counters live now: redis (shared by replicas) or memory",
        ),
      degraded: z
        .boolean()
        .describe(
          "REDIS_URL is set but Redis does not answer: limits count per process until it is back",
        ),
      error: z.string().nullable(),
    })
    .describe(
      "Rate limits and quotas (a Redis outage is reported here; it does not fail the check)",
    ),
});

export function systemRoutes(
  app: ZodApp,
  deps: ApiDeps,
  config: ApiConfig,
  metrics: Metrics,
  limits: () => LimitStoreState,
): void {
  // Load balancers and probes ask for /health many times a second: its body is built once a second.
  let last = { uptimeS: Number.NaN, body: jsonText(null) };
  const health = () => {
    const uptimeS = Math.round((deps.clock.now() - deps.startedAt) / 1000);
    if (uptimeS !== last.uptimeS)
      last = { uptimeS, body: jsonText({ status: "ok", version: deps.version, uptimeS }) };
    return last.body;
  };

  app.get(
    "/health",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "Liveness: the process answers",
        response: {
          200: z.object({ status: z.literal("ok"), version: z.string(), uptimeS: z.number() }),
        },
      },
    },
    async (_req, reply) => sendJsonText(reply, health()),
  );

  const fresh = (deps.modules ?? []).filter((m) => m.newestDataAt);
  /** The database answers; then the newest data any module stored (null: none, or no module stores data). */
  const newestData = async (): Promise<number | null> => {
    await deps.db.query("SELECT 1");
    const times = await Promise.all(fresh.map((m) => m.newestDataAt?.(deps) ?? null));
    const known = times.filter((t): t is number => t !== null);
    return known.length > 0 ? Math.max(...known) : null;
  };
  app.get(
    "/ready",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "Readiness: the database answers; also reports sources and data lag",
        description:
          "503 when the database does not answer within 2 s; source status and data lag are reported without failing the check.",
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_req, reply) => {
      const started = performance.now();
      let dbError: string | null = null;
      let newest: number | null = null;
      try {
        newest = await Promise.race([
          newestData(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error("no answer within 2 s")), 2_000).unref(),
          ),
        ]);
      } catch (err) {
        dbError = describeError(err);
      }
      const now = deps.clock.now();
      const h = deps.monitor?.health();
      const body = {
        ready: dbError === null,
        database: {
          ok: dbError === null,
          latencyMs: Math.round(performance.now() - started),
          error: dbError,
        },
        monitorInProcess: deps.monitor !== null,
        sources: h
          ? Object.fromEntries(
              Object.entries(h.sources).map(([k, s]) => [
                k,
                {
                  status: s.status,
                  detail: s.detail,
                  lastDataAt: s.lastDataAt === null ? null : new Date(s.lastDataAt).toISOString(),
                },
              ]),
            )
          : null,
        dataLagS: newest === null ? null : Math.round((now - newest) / 1000),
        lagging: fresh.length > 0 && (newest === null || now - newest > config.dataStaleMs),
        limits: limits(),
      };
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );

  app.get(
    "/metrics",
    {
      config: { public: true },
      schema: { tags: ["system"], summary: "Prometheus metrics (text format)", hide: false },
    },
    async (_req, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );

  const metas = (deps.modules ?? []).flatMap((m) => (m.meta ? [m.meta] : []));
  const metaSchema = z.object({
    service: z.string(),
    version: z.string(),
    edition: z
      .enum(EDITION_IDS as [EditionId, ...EditionId[]])
      .describe("The edition this install runs (DEPLOYMENT_MODE)"),
    editionLabel: z.string(),
    features: z
      .object({ mlEnsemble: z.boolean(), crossProtocolCorrelation: z.boolean() })
      .describe("What the edition includes beyond the rule-based monitor"),
    tenantId: z.string(),
    storage: z.string(),
    monitorInProcess: z.boolean(),
    detectors: z.array(
      z.object({ kind: z.string(), description: z.string(), enabled: z.boolean() }),
    ),
    derivedDetectors: z
      .array(z.object({ kind: z.string(), description: z.string() }))
      .describe(
        "Detectors of derived data this process's monitor runs: `ml` (the active anomaly model) and `correlation` (the cross-protocol correlator, where the edition includes it); empty without a monitor in the process",
      ),
    sources: z.array(
      z.object({
        kind: z.string(),
        description: z.string(),
        enabled: z.boolean(),
        status: z.string().nullable(),
      }),
    ),
    demo: z
      .object({ recording: z.string(), description: z.string(), speed: z.number() })
      .nullable()
      .describe(
        "Set by `kamiyo serve --demo`: the recording replayed into a temporary database (nothing shown is live)",
      ),
    // What each module watches (the Hyperliquid monitor: `monitoredAssets`, `hlpFamily`).
    ...Object.assign({}, ...metas.map((m) => m.schema)),
  });
  app.get(
    "/meta",
    {
      schema: {
        tags: ["system"],
        summary: "What this service is and watches",
        response: { 200: metaSchema, ...errorResponses },
      },
    },
    async () => {
      const [base, ...parts] = await Promise.all([meta(deps), ...metas.map((m) => m.load(deps))]);
      return Object.assign(base, ...parts);
    },
  );

  const sections = (deps.modules ?? []).flatMap((m) => m.stats ?? []);
  const statsSchema = z.object({
    days: z.number(),
    since: z.string(),
    findings: z.object({
      total: z.number(),
      open: z.number(),
      bySeverity: z.record(z.string(), z.number()),
      byDetector: z.record(z.string(), z.number()),
    }),
    pipeline: z
      .object({
        observations: z.record(z.string(), z.number()),
        queue: z.object({ size: z.number(), capacity: z.number(), dropped: z.number() }),
        detectorErrors: z.number(),
        findingChanges: z.record(z.string(), z.number()),
      })
      .nullable(),
    uptimeS: z.number(),
    // Each module's sections (intel: `exploits`; the Hyperliquid monitor: `liquidations`, `monitoredAssets`).
    ...Object.fromEntries(sections.map((m) => [m.key, m.schema] as const)),
  });
  app.get(
    "/stats",
    {
      schema: {
        tags: ["system"],
        summary:
          "Totals: findings, the pipeline, and each module's (liquidations, exploit incidents)",
        querystring: z.object({
          days: intParam(1, 365)
            .default(30)
            .describe("Look-back in days for findings and the modules' totals (1–365)"),
          ...Object.assign({}, ...sections.map((m) => m.query)),
        }),
        response: { 200: statsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const query = req.query as { days: number } & Record<string, unknown>;
      const [base, ...parts] = await Promise.all([
        stats(deps, query.days),
        ...sections.map((m) => m.load(deps, query)),
      ]);
      return { ...base, ...Object.fromEntries(sections.map((m, i) => [m.key, parts[i]])) };
    },
  );
}
