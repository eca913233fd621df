import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import {
  type ApiDeps,
  type ApiModuleContext,
  errorResponses,
  forTenant,
  type UsageQuota,
  type ZodApp,
} from "@kamiyo/api";
import { recordUsage } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { IngestRejection } from "../ingest/events.ts";
import { normalizeK8sEvents } from "../ingest/k8s-events.ts";
import { errorLevelOf } from "../ingest/log-level.ts";
import { remoteWriteAnomalies } from "../ingest/remote-write-anomalies.ts";
import { checkRemoteWriteHeaders } from "../ingest/remote-write-decode.ts";
import { parseVectorLogs } from "../ingest/vector-logs.ts";
import { watchMessages } from "../ingest/watch-messages.ts";
import type { RcaRuntime } from "../service/rca-runtime.ts";
import type { BusMessage } from "../streams/ingest-bus.ts";
import type { StreamKind } from "../streams/subjects.ts";

/** Largest body an ingest route reads (compressed), and what it may inflate to. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;
/** Most items in one request. */
const MAX_ITEMS = 20_000;
/** An item stamped further ahead of the server's clock than this is refused (clock skew). */
const MAX_SKEW_MS = 10 * 60_000;

const refusedSchema = z.object({
  index: z.number().int().describe("The item's position in the body (NDJSON: its line, from 0)"),
  reason: z.string(),
});
const ingestResult = z.object({
  received: z.number().int().describe("Items in the body"),
  accepted: z.number().int().describe("Queued for the graph builder (and metered)"),
  duplicates: z.number().int().describe("Already queued within the last 2 minutes"),
  refused: z.array(refusedSchema).describe("Items not used, with why (the first 100)"),
  refusedCount: z.number().int(),
});

/**
 * The HTTP ingest for agents that do not speak NATS (issue 15 §2): cluster state (watch events),
 * Kubernetes Events, Vector's log records and Prometheus remote write. Each checks what it read,
 * refuses bad items one by one (400 only when nothing in the body is usable), reserves the
 * tenant's events-a-day quota before queueing (429 when it would pass it: nothing of the request
 * is queued), queues onto the tenant's streams and meters what was queued (`events_ingested`, one
 * usage record per body, so a retried body counts once).
 *
 * What counts as an event: a watch event, a Kubernetes Event, an error log line, and a metric
 * anomaly or recovery the streaming detector finds. Info log lines and metric samples are read,
 * not counted (they are bounded by the request rate and the body size).
 */
export function ingestRoutes(
  app: ZodApp,
  deps: ApiDeps,
  ctx: { runtime: RcaRuntime; quota: UsageQuota; counter: ApiModuleContext["counter"] },
): void {
  const { runtime, quota } = ctx;
  const items = ctx.counter({
    name: "kamiyo_rca_ingest_items_total",
    help: "Items the RCA ingest routes read, by route and outcome (accepted, duplicate, refused)",
    labelNames: ["route", "outcome"],
  });
  const refusals = ctx.counter({
    name: "kamiyo_rca_ingest_refusals_total",
    help: "Ingest requests refused whole, by route and reason (invalid, quota, unauthorized, unavailable)",
    labelNames: ["route", "reason"],
  });
  const billable = ctx.counter({
    name: "kamiyo_rca_events_ingested_total",
    help: "Events metered for billing (events_ingested), by tenant",
    labelNames: ["tenant"],
  });
  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const s = reply.statusCode;
    if (s < 400) return;
    const reason =
      s === 429
        ? "quota"
        : s === 401 || s === 403
          ? "unauthorized"
          : s >= 500
            ? "unavailable"
            : "invalid";
    refusals.inc({ route, reason });
  });
  const countItems = (
    route: string,
    r: { accepted: number; duplicates: number; refused: number },
  ) => {
    if (r.accepted > 0) items.inc({ route, outcome: "accepted" }, r.accepted);
    if (r.duplicates > 0) items.inc({ route, outcome: "duplicate" }, r.duplicates);
    if (r.refused > 0) items.inc({ route, outcome: "refused" }, r.refused);
  };
  // Bodies are read raw here (JSON, NDJSON, protobuf), then decompressed and parsed per route.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer", bodyLimit: MAX_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );
  // Telemetry, not decisions: metered per body, kept out of the audit log.
  const route = {
    config: { scope: "ingest:write" as const, audit: false as const },
    bodyLimit: MAX_BODY_BYTES,
  };

  /**
   * Meters `n` events of a body (one usage record, keyed by the body's SHA-256, so a retried body
   * counts once) and counts them in `/metrics`.
   */
  const meter = async (tenantId: string, what: string, raw: Buffer, n: number) => {
    if (n <= 0) return;
    billable.inc({ tenant: tenantId }, n);
    await recordUsage(
      deps.db,
      [
        {
          tenantId,
          product: "rca",
          meter: "events_ingested",
          value: n,
          eventAt: deps.clock.now(),
          idempotencyKey: `ingest:${what}:${createHash("sha256").update(raw).digest("hex")}`,
        },
      ],
      deps.clock.now(),
    );
  };

  /** Reserve, queue, meter: the common end of every ingest route. */
  const admit = async (
    req: FastifyRequest,
    what: string,
    kind: StreamKind,
    messages: readonly BusMessage[],
    billableCount: number,
    raw: Buffer,
  ) => {
    const tenantId = req.ctx.tenantId;
    await quota.reserve(tenantId, "rca", "events_ingested", billableCount);
    let published = { accepted: 0, duplicates: 0 };
    if (messages.length > 0)
      try {
        published = await runtime.bus.publish(tenantId, kind, messages);
      } catch (err) {
        throw new AppError(
          "upstream_unavailable",
          `the ingest queue did not take the ${what}: ${(err as Error).message}; send again shortly`,
          { cause: err, retryable: true },
        );
      }
    await meter(tenantId, what, raw, Math.min(billableCount, published.accepted));
    return published;
  };

  const answer = (
    route: string,
    received: number,
    published: { accepted: number; duplicates: number },
    refused: readonly IngestRejection[],
  ) => {
    countItems(route, { ...published, refused: refused.length });
    return {
      received,
      accepted: published.accepted,
      duplicates: published.duplicates,
      refused: refused.slice(0, 100).map((r) => ({ index: r.index, reason: r.reason })),
      refusedCount: refused.length,
    };
  };

  app.post(
    "/rca/ingest/state",
    {
      ...route,
      schema: {
        tags: ["rca"],
        summary: "Cluster state: Kubernetes watch events (the state watcher's stream)",
        description:
          'A JSON array (or `{"items": [...]}`) of watch events `{"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}` with each object in its API shape; gzip allowed (`Content-Encoding: gzip`). Secrets and ConfigMaps are read without their data.',
        response: { 202: ingestResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      forTenant(deps, req);
      const raw = req.body as Buffer;
      const watch = listOf(parseJson(inflate(req, raw), "state"), "state");
      const { messages, refused } = watchMessages(watch);
      usable(watch.length, messages.length, refused);
      const published = await admit(
        req,
        "state",
        "state.k8s.resource",
        messages,
        messages.length,
        raw,
      );
      return reply.code(202).send(answer("/rca/ingest/state", watch.length, published, refused));
    },
  );

  app.post(
    "/rca/ingest/k8s-events",
    {
      ...route,
      schema: {
        tags: ["rca"],
        summary: "Kubernetes Events (core/v1, events.k8s.io/v1 or kubernetes-event-exporter's)",
        description:
          "One Event, a JSON array of them, an EventList or watch events; gzip allowed. An Event stamped more than 10 minutes ahead of the server's clock is refused (clock skew).",
        response: { 202: ingestResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      forTenant(deps, req);
      const raw = req.body as Buffer;
      const payload = parseJson(inflate(req, raw), "events");
      const received = Array.isArray(payload)
        ? payload.length
        : Array.isArray((payload as { items?: unknown[] })?.items)
          ? (payload as { items: unknown[] }).items.length
          : 1;
      if (received > MAX_ITEMS) throw tooMany("events", received);
      const { events, rejected } = normalizeK8sEvents(payload);
      const refused = [...rejected];
      const limit = deps.clock.now() + MAX_SKEW_MS;
      const kept = events.filter((e, index) => {
        if (e.occurredAt <= limit) return true;
        refused.push({ index, reason: skewed(e.resource, e.occurredAt) });
        return false;
      });
      usable(received, kept.length, refused);
      const published = await admit(
        req,
        "events",
        "events.normalized",
        kept.map((e) => ({ id: e.dedupeKey, body: e })),
        kept.length,
        raw,
      );
      return reply.code(202).send(answer("/rca/ingest/k8s-events", received, published, refused));
    },
  );

  app.post(
    "/rca/ingest/logs",
    {
      ...route,
      schema: {
        tags: ["rca"],
        summary: "Container logs as Vector's kubernetes_logs source sends them (http sink)",
        description:
          "A JSON array or NDJSON of Vector log events (docs/rca-agents.md); gzip allowed. Error lines become one log-error-burst event per pod and minute, published once the minute ended (plus a minute's grace for late lines); each error line counts as one event.",
        response: { 202: ingestResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      forTenant(deps, req);
      const raw = req.body as Buffer;
      let parsed: ReturnType<typeof parseVectorLogs>;
      try {
        parsed = parseVectorLogs(inflate(req, raw).toString("utf8"));
      } catch (err) {
        throw new AppError("invalid_input", `logs: ${(err as Error).message}`);
      }
      const received = parsed.records.length + parsed.rejected.length;
      if (received > MAX_ITEMS) throw tooMany("log records", received);
      const limit = deps.clock.now() + MAX_SKEW_MS;
      const refused = [...parsed.rejected];
      const records = parsed.records.filter((r, index) => {
        if (r.at <= limit) return true;
        refused.push({ index, reason: skewed(`pod/${r.namespace}/${r.pod}`, r.at) });
        return false;
      });
      usable(received, records.length, refused);
      const aggregator = runtime.logs(req.ctx.tenantId);
      const errorsBefore = aggregator.stats.errors;
      // The error lines are what counts: reserved first, then aggregated.
      const errorLines = records.filter((r) => errorLevelOf(r.message) !== undefined).length;
      await quota.reserve(req.ctx.tenantId, "rca", "events_ingested", errorLines);
      aggregator.add(records);
      const errorsCounted = aggregator.stats.errors - errorsBefore;
      // Minutes that ended (with their grace) go out now rather than at the next timer.
      await runtime.flushLogs();
      await meter(req.ctx.tenantId, "logs", raw, errorsCounted);
      return reply
        .code(202)
        .send(
          answer(
            "/rca/ingest/logs",
            received,
            { accepted: records.length, duplicates: 0 },
            refused,
          ),
        );
    },
  );

  app.post(
    "/rca/ingest/prometheus/write",
    {
      ...route,
      schema: {
        tags: ["rca"],
        summary:
          "Prometheus remote write 1.0 (protobuf + Snappy): Prometheus, vmagent, the OpenTelemetry collector",
        description:
          "Samples feed the tenant's streaming anomaly detector (a series needs `pod` or `service` naming its resource); each anomaly or recovery it finds is an event on that resource. Samples themselves are not counted as events.",
        response: {
          202: z.object({
            series: z.number().int(),
            samples: z.number().int(),
            dropped: z
              .record(z.string(), z.number().int())
              .describe(
                "Samples not used, by why (too old or new, not finite, out of order, no resource, series limit)",
              ),
            events: z.number().int().describe("Anomalies and recoveries found and queued"),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      forTenant(deps, req);
      checkRemoteWriteHeaders({
        contentEncoding: header(req, "content-encoding"),
        contentType: header(req, "content-type"),
        version: header(req, "x-prometheus-remote-write-version"),
      });
      const found = remoteWriteAnomalies(
        req.body as Buffer,
        runtime.detector(req.ctx.tenantId),
        deps.clock.now(),
      );
      const published = await admit(
        req,
        "metrics",
        "events.normalized",
        found.events.map((e) => ({ id: e.dedupeKey, body: e })),
        found.events.length,
        req.body as Buffer,
      );
      const droppedCount = Object.values(found.dropped).reduce((a, b) => a + b, 0);
      // The decoder's drops are not among `samples`; the detector's are.
      const decoderDrops =
        (found.dropped.too_new ?? 0) +
        (found.dropped.too_old ?? 0) +
        (found.dropped.not_finite ?? 0);
      countItems("/rca/ingest/prometheus/write", {
        accepted: found.samples - (droppedCount - decoderDrops),
        duplicates: 0,
        refused: droppedCount,
      });
      return reply.code(202).send({
        series: found.series,
        samples: found.samples,
        dropped: found.dropped,
        events: published.accepted,
      });
    },
  );

  app.post(
    "/rca/ingest/otlp/v1/traces",
    {
      ...route,
      schema: {
        tags: ["rca"],
        summary: "OpenTelemetry traces (OTLP/HTTP JSON): service call edges",
        description:
          "The collector's `otlphttp` exporter with `encoding: json` (gzip allowed). A span whose parent span is another service's is one call; the tenant's call graph (CALLS edges, `k8s.namespace.name` or `service.namespace` giving each service's namespace, else `default`) is stored whenever it changes. Spans are read, not counted as events.",
        response: {
          202: z.object({
            spans: z.number().int(),
            withoutService: z.number().int().describe("Spans whose resource has no service.name"),
            calls: z.number().int().describe("Call edges known so far"),
          }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      forTenant(deps, req);
      const payload = parseJson(inflate(req, req.body as Buffer), "traces");
      const graph = runtime.traces(req.ctx.tenantId);
      let added: ReturnType<typeof graph.add>;
      try {
        added = graph.add(payload);
      } catch (err) {
        throw new AppError("invalid_input", `traces: ${(err as Error).message}`);
      }
      const edges = graph.edges().map((e) => {
        const [sourceNs, source] = splitService(e.source);
        const [targetNs, target] = splitService(e.target);
        return {
          namespace: sourceNs,
          source,
          target,
          ...(targetNs !== sourceNs ? { targetNamespace: targetNs } : {}),
          weight: e.weight,
        };
      });
      // The whole graph, keyed by what it holds: an unchanged graph is a duplicate, not a write.
      const key = createHash("sha256")
        .update(
          JSON.stringify(edges.map((e) => [e.namespace, e.source, e.targetNamespace, e.target])),
        )
        .digest("hex");
      if (edges.length > 0)
        await runtime.bus
          .publish(req.ctx.tenantId, "state.k8s.topology", [
            { id: `otlp:${key}`, body: { feed: "otlp", edges } },
          ])
          .catch((err: Error) => {
            throw new AppError(
              "upstream_unavailable",
              `the ingest queue did not take the call graph: ${err.message}`,
              {
                retryable: true,
              },
            );
          });
      countItems("/rca/ingest/otlp/v1/traces", {
        accepted: added.spans - added.withoutService,
        duplicates: 0,
        refused: added.withoutService,
      });
      return reply
        .code(202)
        .send({ spans: added.spans, withoutService: added.withoutService, calls: edges.length });
    },
  );
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body, gunzipped when `Content-Encoding: gzip` (bounded), else as sent. */
function inflate(req: FastifyRequest, raw: Buffer): Buffer {
  const encoding = (header(req, "content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip")
    throw new AppError(
      "invalid_input",
      `Content-Encoding ${JSON.stringify(encoding)} is not supported here: send gzip or none`,
    );
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    throw new AppError(
      "invalid_input",
      `the gzip body could not be read: ${(err as Error).message}`,
    );
  }
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new AppError("invalid_input", `${what}: the body is not JSON: ${(err as Error).message}`);
  }
}

function listOf(payload: unknown, what: string): unknown[] {
  const items = Array.isArray(payload)
    ? payload
    : Array.isArray((payload as { items?: unknown })?.items)
      ? (payload as { items: unknown[] }).items
      : null;
  if (!items)
    throw new AppError("invalid_input", `${what}: expected a JSON array or {"items": [...]}`);
  if (items.length > MAX_ITEMS) throw tooMany(what, items.length);
  return items;
}

function tooMany(what: string, n: number): AppError {
  return new AppError(
    "invalid_input",
    `${what}: ${n} items in one request, more than the ${MAX_ITEMS} allowed; send smaller batches`,
  );
}

function skewed(resource: string, at: number): string {
  return `${resource}: stamped ${new Date(at).toISOString()}, more than ${MAX_SKEW_MS / 60_000} minutes ahead of the server's clock (clock skew?)`;
}

/** 400 when the body had items and none of them could be used (naming the first problems). */
function usable(received: number, kept: number, refused: readonly IngestRejection[]): void {
  if (received > 0 && kept === 0 && refused.length > 0)
    throw new AppError(
      "invalid_input",
      `no item could be used: ${refused
        .slice(0, 3)
        .map((r) => `item ${r.index}: ${r.reason}`)
        .join("; ")}`,
    );
}

/** `<namespace>/<name>` of a traced service (`default` when its resource named no namespace). */
function splitService(s: string): [namespace: string, name: string] {
  const slash = s.indexOf("/");
  return slash < 0 ? ["default", s] : [s.slice(0, slash), s.slice(slash + 1)];
}
