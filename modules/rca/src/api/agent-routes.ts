import { type ApiDeps, errorResponses, forTenant, type ZodApp } from "@kamiyo/api";
import { z } from "zod";
import { listAgents, recordAgentReport } from "../store/agents.ts";

/** An agent not heard from in this long is reported silent. */
const SILENT_AFTER_MS = 3 * 60_000;

const reportSchema = z.strictObject({
  agent: z.string().min(1).max(253).describe("The agent's name (its pod or host)"),
  cluster: z.string().min(1).max(253).optional(),
  version: z.string().min(1).max(64),
  startedAt: z.iso.datetime({ offset: true }),
  stopping: z.boolean().optional().describe("Its last report, sent as it stops"),
  health: z
    .record(z.string(), z.unknown())
    .describe("What it reports: each watched kind, the publisher's buffer and counts"),
});

const agentSchema = z.object({
  agent: z.string(),
  cluster: z.string().nullable(),
  version: z.string(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  state: z
    .enum(["reporting", "silent", "stopped"])
    .describe(`silent: no report for ${SILENT_AFTER_MS / 60_000} minutes`),
  health: z.record(z.string(), z.unknown()),
});

/**
 * The agents' health (issue 15 §1: agents report their health to the server): each agent posts
 * its health every minute and as it stops; the tenant sees its agents, and which went silent.
 */
export function agentRoutes(app: ZodApp, deps: ApiDeps): void {
  app.post(
    "/rca/ingest/agent-health",
    {
      config: { scope: "ingest:write", audit: false },
      schema: {
        tags: ["rca"],
        summary: "An agent's health report (every minute, and as it stops)",
        body: reportSchema,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      await recordAgentReport(
        forTenant(deps, req).db,
        {
          agent: b.agent,
          ...(b.cluster ? { cluster: b.cluster } : {}),
          version: b.version,
          startedAt: new Date(b.startedAt),
          ...(b.stopping ? { stopping: true } : {}),
          health: b.health,
        },
        new Date(deps.clock.now()),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/rca/agents",
    {
      schema: {
        tags: ["rca"],
        summary: "The tenant's agents and their last health report",
        response: { 200: z.object({ data: z.array(agentSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const rows = await listAgents(forTenant(deps, req).db);
      const now = deps.clock.now();
      return {
        data: rows.map((r) => ({
          agent: r.agent,
          cluster: r.cluster,
          version: r.version,
          startedAt: r.startedAt.toISOString(),
          lastSeenAt: r.lastSeenAt.toISOString(),
          state: r.stopped
            ? ("stopped" as const)
            : now - r.lastSeenAt.getTime() > SILENT_AFTER_MS
              ? ("silent" as const)
              : ("reporting" as const),
          health: r.health,
        })),
      };
    },
  );
}
