import {
  METERS,
  PRODUCT_IDS,
  type ProductId,
  subscriptionsOf,
  usageJson,
  usageReport,
} from "@kamiyo/billing";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import type { ApiDeps } from "../deps.ts";
import { forTenant } from "../request-deps.ts";
import { errorResponses } from "../schemas/common.ts";

const window = z.object({ start: z.string(), end: z.string() });

const usageSchema = z
  .object({
    period: window.describe("The current billing period (of the platform subscription)"),
    today: window.describe("The current UTC day"),
    meters: z.array(
      z.object({
        product: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]),
        meter: z.enum(METERS as [string, ...string[]]),
        period: z.number().describe("Used in the period (storage: the largest reading)"),
        today: z.number().describe("Used today"),
        quota: z
          .object({
            limit: z.number(),
            per: z.enum(["day", "period"]),
            plan: z.string().describe("The plan that sets it"),
          })
          .nullable()
          .describe("What the product's plan in force allows; null: no quota"),
      }),
    ),
  })
  .meta({ id: "Usage" });

/** `GET /usage`: the caller's usage against its plans' quotas. */
export function usageRoutes(app: ZodApp, deps: ApiDeps): void {
  app.get(
    "/usage",
    {
      schema: {
        tags: ["tenants"],
        summary:
          "Usage in the current billing period and today, per product and meter, against the plans' quotas",
        response: { 200: usageSchema, ...errorResponses },
      },
    },
    async (req) => {
      const t = forTenant(deps, req);
      const now = deps.clock.now();
      return usageJson(
        await usageReport(t.db, t.tenantId, await subscriptionsOf(t.db, t.tenantId), now),
      );
    },
  );
}
