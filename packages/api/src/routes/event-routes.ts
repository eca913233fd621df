import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiDeps } from "../deps.ts";
import { sendJsonText } from "../json-body.ts";
import type { ResponseCache } from "../response-cache.ts";
import {
  cursorParam,
  errorResponses,
  findingSchema,
  limitParam,
  pageSchema,
  severityParam,
  timeParam,
} from "../schemas/common.ts";
import { getEvent, listEvents } from "../services/events.ts";

export const eventsQuery = z
  .object({
    severity: severityParam.optional(),
    detector: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,39}$/, "expected a detector name such as oracle")
      .optional(),
    subject: z.string().min(1).max(100).optional().describe("Coin, vault or account address"),
    status: z.enum(["open", "resolved"]).optional(),
    since: timeParam.optional().describe("Detected at or after (ISO 8601 or epoch ms)"),
    until: timeParam.optional().describe("Detected before (ISO 8601 or epoch ms)"),
    cursor: cursorParam.optional(),
    limit: limitParam(500, 50),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    message: "since must be before until",
    path: ["since"],
  });

export function eventRoutes(app: ZodApp, deps: ApiDeps, cache: ResponseCache): void {
  app.get(
    "/security/events",
    {
      schema: {
        tags: ["security"],
        summary: "Findings, newest first",
        description:
          "Filter by severity, detector, subject, status and detection time; page with `cursor` (the previous page's `nextCursor`).",
        querystring: eventsQuery,
        response: { 200: pageSchema(findingSchema), ...errorResponses },
      },
      onSend: cache.capture,
    },
    async (req, reply) => {
      if (cache.serve(req, reply, `events:${JSON.stringify(req.query)}`)) return reply;
      return sendJsonText(reply, await listEvents(deps, req.query));
    },
  );

  app.get(
    "/security/events/:id",
    {
      schema: {
        tags: ["security"],
        summary: "One finding",
        params: z.object({
          id: z
            .string()
            .regex(
              /^fnd_[0-9a-z]{9,30}$/,
              "expected a finding id such as fnd_0m85n41y817b33ed49c17",
            ),
        }),
        response: { 200: findingSchema, ...errorResponses },
      },
    },
    async (req) => getEvent(deps, req.params.id),
  );
}
