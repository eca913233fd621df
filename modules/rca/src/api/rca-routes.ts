import {
  type ApiDeps,
  type ApiModuleContext,
  cursorParam,
  errorResponses,
  forTenant,
  intParam,
  limitParam,
  timeParam,
  type UsageQuota,
  type ZodApp,
} from "@kamiyo/api";
import { recordUsage } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { rankSymptom } from "../service/rank-symptom.ts";
import { getAnalysis, listAnalyses, saveAnalysis } from "../store/analyses.ts";
import { eventsInWindow, listResources, neighbourhood } from "../store/graph-queries.ts";
import { incidentsInWindow } from "../store/incidents.ts";

const RESOURCE_KINDS = [
  "service",
  "pod",
  "container",
  "node",
  "deployment",
  "replicaset",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
  "endpointslice",
  "configmap",
  "secret",
  "persistentvolumeclaim",
  "ingress",
  "horizontalpodautoscaler",
] as const;
const resourceId = z
  .string()
  .regex(
    /^[a-z]+\/[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)?$/,
    "expected <kind>/<namespace>/<name> or <kind>/<name>",
  );
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const resourceSchema = z.object({
  id: z.string(),
  kind: z.string(),
  namespace: z.string().nullable(),
  name: z.string(),
  service: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  status: z.record(z.string(), z.unknown()),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  deletedAt: z.string().nullable(),
});
const relationSchema = z.object({
  type: z.string(),
  from: z.string(),
  to: z.string(),
  weight: z.number(),
});
const eventSchema = z.object({
  id: z.string(),
  resource: z.string(),
  kind: z.string(),
  reason: z.string(),
  severity: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
});
const candidateSchema = z.object({
  service: z.string(),
  resource: z.string().optional(),
  score: z.number(),
  faultType: z.string(),
  path: z.array(z.string()).describe("Services from the candidate to the symptom's service"),
  causalPath: z
    .array(z.string())
    .describe(
      "Resource ids from the root cause to the symptom along the relations a fault travels",
    ),
  evidence: z
    .array(z.record(z.string(), z.unknown()))
    .describe("Metric anomalies, strongest first"),
  events: z
    .array(z.record(z.string(), z.unknown()))
    .describe("The events behind the candidate: its causes first, then the failures it explains"),
});
const symptomSchema = z.object({
  from: z.string(),
  to: z.string(),
  service: z.string().optional(),
  alert: z.string().optional(),
});
const analysisSchema = z.object({
  id: z.string(),
  symptom: symptomSchema,
  candidates: z.array(candidateSchema),
  createdAt: z.string(),
  durationMs: z.number(),
});
const analysisSummarySchema = z.object({
  id: z.string(),
  symptom: symptomSchema,
  createdAt: z.string(),
  durationMs: z.number(),
  candidates: z.number().int().describe("How many candidates it ranked"),
  top: candidateSchema.nullable().describe("The first candidate; null when it found none"),
});
const incidentSchema = z.object({
  resource: z.string(),
  kind: z.string(),
  service: z
    .string()
    .nullable()
    .describe("The service an RCA query names it by (its workload); null for a node"),
  severity: z.enum(["warning", "critical"]).describe("The worst of its events"),
  count: z.number().int(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
  deleted: z.boolean().describe("The resource was deleted since"),
});

type Row = Awaited<ReturnType<typeof listResources>>["items"][number];
const resourceJson = (r: Row) => ({
  id: r.id,
  kind: r.kind,
  namespace: r.namespace,
  name: r.name,
  service: r.service,
  labels: r.labels,
  status: r.status as Record<string, unknown>,
  firstSeenAt: iso(r.firstSeenAt) as string,
  lastSeenAt: iso(r.lastSeenAt) as string,
  deletedAt: iso(r.deletedAt),
});

/**
 * The knowledge graph's API: the tenant's resources, a resource's neighbourhood, events on
 * resources in a window, and RCA queries (run, stored, read back; each one of the plan's queries a
 * period, counted per tenant in `/metrics`). Everything through the tenant's view of the database
 * (row-level security).
 */
export function rcaRoutes(
  app: ZodApp,
  deps: ApiDeps,
  ctx: { quota: UsageQuota; counter: ApiModuleContext["counter"] },
): void {
  const { quota } = ctx;
  const queries = ctx.counter({
    name: "kamiyo_rca_queries_total",
    help: "RCA queries answered (rca_queries, the plan's meter), by tenant",
    labelNames: ["tenant"],
  });
  app.get(
    "/rca/resources",
    {
      schema: {
        tags: ["rca"],
        summary: "The tenant's cluster resources, by id",
        querystring: z.object({
          kind: z.enum(RESOURCE_KINDS).optional(),
          namespace: z.string().max(253).optional(),
          prefix: z.string().max(253).optional().describe("Names starting with this"),
          cursor: cursorParam.optional(),
          limit: limitParam(1_000, 100),
        }),
        response: {
          200: z.object({ data: z.array(resourceSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await listResources(forTenant(deps, req).db, {
        kind: req.query.kind,
        namespace: req.query.namespace,
        namePrefix: req.query.prefix,
        cursor: req.query.cursor,
        limit: req.query.limit,
      });
      return { data: page.items.map(resourceJson), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/rca/neighbourhood",
    {
      schema: {
        tags: ["rca"],
        summary: "A resource and what is related to it within some hops, both directions",
        querystring: z.object({
          resource: resourceId,
          hops: intParam(1, 4).default(2),
        }),
        response: {
          200: z.object({
            resource: z.string(),
            nodes: z.array(
              z.object({
                id: z.string(),
                depth: z.number().int().describe("Hops from the resource"),
                resource: resourceSchema
                  .nullable()
                  .describe("null for an end never seen as an object (a node not yet watched)"),
              }),
            ),
            relations: z.array(relationSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const n = await neighbourhood(forTenant(deps, req).db, req.query.resource, req.query.hops);
      if (n.nodes.length === 0)
        throw new AppError("not_found", `no resource ${req.query.resource}`);
      return {
        resource: req.query.resource,
        nodes: n.nodes.map((x) => ({
          id: x.id,
          depth: x.depth,
          resource: x.resource ? resourceJson(x.resource) : null,
        })),
        relations: n.relations.map((r) => ({ ...r, weight: Number(r.weight) })),
      };
    },
  );

  app.get(
    "/rca/events",
    {
      schema: {
        tags: ["rca"],
        summary: "Events on the tenant's resources in a time window, oldest first",
        querystring: z
          .object({
            from: timeParam,
            to: timeParam,
            resource: resourceId.optional(),
            limit: limitParam(10_000, 1_000),
          })
          .refine((q) => q.from < q.to, { message: "from must be before to", path: ["from"] }),
        response: { 200: z.object({ data: z.array(eventSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const events = await eventsInWindow(forTenant(deps, req).db, {
        from: new Date(req.query.from),
        to: new Date(req.query.to),
        ...(req.query.resource ? { resourceIds: [req.query.resource] } : {}),
        limit: req.query.limit,
      });
      return {
        data: events.map((e) => ({
          id: e.id,
          resource: e.resourceId,
          kind: e.kind,
          reason: e.reason,
          severity: e.severity,
          message: e.message,
          data: e.data as Record<string, unknown>,
          occurredAt: e.occurredAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    "/rca/incidents",
    {
      schema: {
        tags: ["rca"],
        summary:
          "What is going wrong: the resources with warning or critical events in a window, grouped (critical first, then the latest)",
        querystring: z
          .object({ from: timeParam, to: timeParam, limit: limitParam(1_000, 200) })
          .refine((q) => q.from < q.to, { message: "from must be before to", path: ["from"] }),
        response: { 200: z.object({ data: z.array(incidentSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const incidents = await incidentsInWindow(forTenant(deps, req).db, {
        from: new Date(req.query.from),
        to: new Date(req.query.to),
        limit: req.query.limit,
      });
      return {
        data: incidents.map(({ resourceId, firstSeenAt, lastSeenAt, ...rest }) => ({
          resource: resourceId,
          ...rest,
          reasons: [...rest.reasons],
          firstSeenAt: firstSeenAt.toISOString(),
          lastSeenAt: lastSeenAt.toISOString(),
        })),
      };
    },
  );

  app.get(
    "/rca/analyses",
    {
      schema: {
        tags: ["rca"],
        summary: "The tenant's stored RCA queries, newest first, each with its best candidate",
        querystring: z.object({ cursor: cursorParam.optional(), limit: limitParam(100, 20) }),
        response: {
          200: z.object({
            data: z.array(analysisSummarySchema),
            nextCursor: z.string().nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await listAnalyses(forTenant(deps, req).db, {
        limit: req.query.limit,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      });
      return {
        data: page.items.map((a) => ({
          id: a.id,
          symptom: symptomJson(a.symptom),
          createdAt: new Date(a.createdAt).toISOString(),
          durationMs: a.durationMs,
          candidates: a.candidates,
          top: a.top as z.infer<typeof candidateSchema> | null,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    "/rca/analyses",
    {
      config: { scope: "read", audit: { action: "rca.analysis.create" } },
      schema: {
        tags: ["rca"],
        summary: "Ask for the root cause of a symptom: ranked candidates with paths and evidence",
        body: z
          .strictObject({
            from: timeParam.describe("Window start"),
            to: timeParam.describe("Window end"),
            service: z.string().max(253).optional().describe("Where the symptom shows"),
            alert: z.string().max(500).optional(),
          })
          .refine((b) => b.from < b.to, { message: "from must be before to", path: ["from"] }),
        response: { 201: analysisSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const db = forTenant(deps, req).db;
      // One of the plan's RCA queries a period (429 once they are used up).
      await quota.reserve(req.ctx.tenantId, "rca", "rca_queries", 1);
      const started = performance.now();
      const symptom = {
        from: Number(req.body.from),
        to: Number(req.body.to),
        ...(req.body.service ? { service: req.body.service } : {}),
        ...(req.body.alert ? { alert: req.body.alert } : {}),
      };
      const candidates = (await rankSymptom(db, symptom)).slice(0, 10);
      const durationMs = Math.round(performance.now() - started);
      const createdAt = new Date(deps.clock.now());
      const id = await saveAnalysis(db, { symptom, result: candidates, createdAt, durationMs });
      // One RCA query of the tenant's plan (metered on the platform's connection, keyed by the
      // analysis so a retry does not count twice).
      await recordUsage(
        deps.db,
        [
          {
            tenantId: req.ctx.tenantId,
            product: "rca",
            meter: "rca_queries",
            value: 1,
            eventAt: createdAt.getTime(),
            idempotencyKey: `rca_query:${id}`,
          },
        ],
        deps.clock.now(),
      );
      queries.inc({ tenant: req.ctx.tenantId });
      return reply
        .code(201)
        .send(analysisJson({ id, symptom, result: candidates, createdAt, durationMs }));
    },
  );

  app.get(
    "/rca/analyses/:id",
    {
      schema: {
        tags: ["rca"],
        summary: "A stored RCA query and its answer",
        params: z.object({ id: z.string().max(64) }),
        response: { 200: analysisSchema, ...errorResponses },
      },
    },
    async (req) => {
      const a = await getAnalysis(forTenant(deps, req).db, req.params.id);
      if (!a) throw new AppError("not_found", `no analysis ${req.params.id}`);
      return analysisJson(a);
    },
  );
}

function symptomJson(s: { from: number; to: number; service?: string; alert?: string }) {
  return {
    from: new Date(s.from).toISOString(),
    to: new Date(s.to).toISOString(),
    ...(s.service ? { service: s.service } : {}),
    ...(s.alert ? { alert: s.alert } : {}),
  };
}

function analysisJson(a: {
  id: string;
  symptom: { from: number; to: number; service?: string; alert?: string };
  result: readonly unknown[];
  createdAt: Date;
  durationMs: number;
}) {
  return {
    id: a.id,
    symptom: symptomJson(a.symptom),
    candidates: a.result as z.infer<typeof candidateSchema>[],
    createdAt: new Date(a.createdAt).toISOString(),
    durationMs: a.durationMs,
  };
}
