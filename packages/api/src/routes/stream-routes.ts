import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import { decodeCursor, type Position } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";
import { sendError } from "../errors.ts";
import type { StreamChange, StreamFilter } from "../feed.ts";
import { errorSchema, listParam, severityParam } from "../schemas/common.ts";
import { eventJson, type StreamHub } from "../stream-hub.ts";

/** A client whose unsent output passes this is dropped (it reconnects with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const names = (what: string) =>
  z
    .string()
    .transform((t) =>
      t
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine(
      (l) => l.length > 0 && l.every((s) => /^[A-Za-z0-9:_-]{1,60}$/.test(s)),
      `expected comma-separated ${what}`,
    );

/** Checked in the schema so that a WebSocket client is refused (400) before the upgrade. */
function isCursor(text: string): boolean {
  try {
    decodeCursor(text);
    return true;
  } catch {
    return false;
  }
}

const streamQuery = z.object({
  severity: severityParam.optional(),
  detector: names("detector names").optional(),
  subject: names("subjects (coin, vault or account)").optional(),
  change: listParam(["opened", "escalated", "updated", "resolved"] as const, "changes")
    .optional()
    .describe("Changes to send (default opened,escalated,resolved)"),
  last_event_id: z
    .string()
    .min(1)
    .max(200)
    .refine(isCursor, "not a cursor issued by this API")
    .optional()
    .describe("Resume after this event id (or send the Last-Event-ID header)"),
});

type StreamQuery = z.output<typeof streamQuery>;

function filterOf(q: StreamQuery): StreamFilter {
  return {
    severities: q.severity,
    detectors: q.detector,
    subjects: q.subject,
    changes: (q.change ?? ["opened", "escalated", "resolved"]) as StreamChange[],
  };
}

function resumeOf(q: StreamQuery, header: unknown): Position | null {
  const id = typeof header === "string" && header.length > 0 ? header : q.last_event_id;
  return id ? decodeCursor(id, "last_event_id") : null;
}

export function streamRoutes(app: ZodApp, deps: ApiDeps, hub: StreamHub): void {
  app.get(
    "/stream",
    {
      schema: {
        tags: ["stream"],
        summary: "Live findings as Server-Sent Events",
        description:
          "Each event: `id` (pass back as Last-Event-ID to resume), `event: finding`, `data` = {id, change, finding}. On resume, findings changed since that id come first with change `replay`. A comment line every 15 s keeps the connection open.",
        querystring: streamQuery,
        produces: ["text/event-stream"],
        response: { 200: z.string().describe("text/event-stream") },
      },
    },
    async (req, reply) => {
      if (hub.full)
        return sendError(
          reply,
          req,
          "upstream_unavailable",
          "too many stream clients; retry later",
        );
      const resume = resumeOf(req.query, req.headers["last-event-id"]);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": req.id,
      });
      res.write("retry: 3000\n\n");
      const write = (text: string) => {
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          res.destroy();
          return;
        }
        res.write(text);
      };
      const detach = await hub.attach(
        {
          send: (e) => write(`id: ${e.id}\nevent: finding\ndata: ${eventJson(e)}\n\n`),
          heartbeat: () => write(": keep-alive\n\n"),
          close: () => res.end(),
        },
        filterOf(req.query),
        resume && { db: deps.db, tenantId: deps.tenantId, from: resume },
      );
      req.raw.on("close", detach);
      // The client may have gone while its replay was read.
      if (req.raw.destroyed) detach();
    },
  );

  app.route({
    method: "GET",
    url: "/stream/ws",
    schema: {
      tags: ["stream"],
      summary: "Live findings over WebSocket",
      description:
        "The same events as /stream, one JSON text message each: {id, change, finding}. Resume with ?last_event_id=. A plain HTTP request (no Upgrade) gets a 400.",
      querystring: streamQuery,
      response: { 400: errorSchema },
    },
    handler: async (req, reply) =>
      sendError(
        reply,
        req,
        "invalid_input",
        "this route speaks WebSocket: connect with Upgrade: websocket",
      ),
    wsHandler: async (socket, req) => {
      if (hub.full) {
        socket.close(1013, "too many stream clients; retry later");
        return;
      }
      const q = req.query as StreamQuery;
      const resume = resumeOf(q, undefined);
      const send = (text: string) => {
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
        else if (socket.readyState === socket.OPEN) socket.send(text);
      };
      const detach = await hub.attach(
        {
          send: (e) => send(eventJson(e)),
          heartbeat: () => socket.ping(),
          close: () => socket.close(1001, "server shutting down"),
        },
        filterOf(q),
        resume && { db: deps.db, tenantId: deps.tenantId, from: resume },
      );
      socket.on("close", detach);
      // The client may have gone while its replay was read.
      if (socket.readyState === socket.CLOSED) detach();
    },
  });
}
