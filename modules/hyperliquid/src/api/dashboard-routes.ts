import {
  type ApiConfig,
  type ApiDeps,
  errorResponses,
  findingSchema,
  type ZodApp,
} from "@kamiyo/api";
import { SEVERITIES } from "@kamiyo/core";
import { z } from "zod";
import { dashboard } from "./dashboard.ts";

const level = z.enum(["none", "low", "medium", "high", "critical"]);

const dashboardSchema = z.object({
  score: z.number().describe("0–100"),
  level,
  openFindings: z.number(),
  components: z.array(
    z.object({
      name: z.string(),
      score: z.number(),
      level,
      openFindings: z.number(),
      bySeverity: z.record(z.enum(SEVERITIES), z.number()),
      top: z.array(findingSchema),
      note: z.string().nullable(),
    }),
  ),
  generatedAt: z.string(),
  method: z.string(),
});

export function dashboardRoutes(app: ZodApp, deps: ApiDeps, config: ApiConfig): void {
  app.get(
    "/security/dashboard",
    {
      schema: {
        tags: ["security"],
        summary: "Overall risk score and level, with its parts",
        response: { 200: dashboardSchema, ...errorResponses },
      },
    },
    async () => dashboard(deps, config.dataStaleMs),
  );
}
