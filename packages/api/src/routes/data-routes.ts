import { SEVERITIES } from "@kamiyo/core";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiDeps } from "../deps.ts";
import { cursorParam, errorResponses, limitParam, pageSchema } from "../schemas/common.ts";
import { listExploits } from "../services/exploits.ts";

const exploitSchema = z
  .object({
    id: z.string(),
    chain: z.string(),
    protocol: z.string(),
    category: z.string(),
    amountUsd: z.number(),
    date: z.string().describe("Data time of the incident's first datum"),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    status: z.enum(["open", "resolved"]),
    source: z.string(),
    url: z.string(),
    findingId: z.string(),
  })
  .meta({ id: "Exploit" });

export function dataRoutes(app: ZodApp, deps: ApiDeps): void {
  app.get(
    "/exploits",
    {
      schema: {
        tags: ["exploits"],
        summary: "Loss incidents, newest first",
        description:
          "Today: the monitor's own loss incidents (HLP PnL losses and losses on positions liquidator vaults inherited). External exploit feeds arrive behind the same route.",
        querystring: z.object({
          limit: limitParam(500, 50),
          chain: z.string().min(1).max(40).optional(),
          min_amount: z.coerce.number().min(0).optional().describe("Minimum loss, USD"),
          days: z.coerce
            .number()
            .int()
            .min(1)
            .max(3650)
            .optional()
            .describe("Only incidents detected in the last N days"),
          cursor: cursorParam.optional(),
        }),
        response: { 200: pageSchema(exploitSchema), ...errorResponses },
      },
    },
    async (req) =>
      listExploits(deps, {
        limit: req.query.limit,
        chain: req.query.chain,
        minAmount: req.query.min_amount,
        days: req.query.days,
        cursor: req.query.cursor,
      }),
  );
}
