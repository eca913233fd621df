import { PRODUCT_IDS, PRODUCTS, type ProductId, planRows, plansOf } from "@kamiyo/billing";
import { z } from "zod";
import type { ZodApp } from "../app-types.ts";
import { jsonText, sendJsonText } from "../json-body.ts";

const catalogSchema = z
  .object({
    products: z.array(
      z.object({
        id: z.enum(PRODUCT_IDS as [ProductId, ...ProductId[]]),
        label: z.string(),
        plans: z.array(
          z.object({
            id: z.string(),
            label: z.string(),
            monthlyCents: z
              .number()
              .int()
              .nullable()
              .describe("Integer cents a month; 0 free, null priced per contract"),
          }),
        ),
        rows: z
          .array(z.object({ label: z.string(), cells: z.array(z.string()) }))
          .describe(
            "The plans compared row by row, one cell per plan, as docs/plans.md words them",
          ),
      }),
    ),
  })
  .meta({ id: "PlanCatalog" });

/** The plan catalog as the API serves it: every product, its plans and their comparison. */
export function planCatalogJson(): z.output<typeof catalogSchema> {
  return {
    products: PRODUCTS.map((p) => {
      const plans = plansOf(p.id);
      return {
        id: p.id,
        label: p.label,
        plans: plans.map((plan) => ({
          id: plan.id,
          label: plan.label,
          monthlyCents: plan.monthlyCents,
        })),
        rows: planRows(plans),
      };
    }),
  };
}

/** `GET /plans`: every product's plans and prices, from the catalog; open, like the pricing page. */
export function plansRoutes(app: ZodApp): void {
  const body = jsonText(planCatalogJson());
  app.get(
    "/plans",
    {
      config: { public: true },
      schema: {
        tags: ["billing"],
        summary: "Every product's plans, prices and limits (the catalog); no key needed",
        response: { 200: catalogSchema },
      },
    },
    async (_req, reply) => sendJsonText(reply, body),
  );
}
