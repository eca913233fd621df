import { type ApiDeps, errorResponses, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { z } from "zod";
import type { TenantModels } from "../grpc/tenant-models.ts";
import { DEFAULT_HORIZON, MAX_HORIZON_MONTHS } from "../ltv/ltv-predictor.ts";
import { listLtvModels } from "../ltv/model-store.ts";

/** Customers one request may ask about (a larger set goes over gRPC's PredictBatch). */
export const MAX_CUSTOMERS_PER_REQUEST = 5_000;

const customerSchema = z
  .strictObject({
    frequency: z.number().min(0).describe("Repeat purchases"),
    recency: z.number().min(0).describe("Age at the last purchase, in the model's time unit"),
    T: z.number().min(0).describe("Age at the end of observation, in the model's time unit"),
    monetaryValue: z
      .number()
      .min(0)
      .optional()
      .describe("Mean value of the repeat purchases: required when the model predicts spend"),
  })
  .refine((c) => c.recency <= c.T, { message: "is after T", path: ["recency"] });

const predictionSchema = z.object({
  pAlive: z.number(),
  expectedPurchases: z.number().describe("Repeat purchases expected in the horizon"),
  expectedSpend: z.number().nullable().describe("Expected value of a purchase; null without spend"),
  ltv: z.number().nullable().describe("Discounted value over the horizon; null without spend"),
});

const modelSchema = z.object({
  version: z.number().int(),
  active: z.boolean(),
  createdAt: z.string(),
  customers: z.number().int().describe("Customers it was fitted on"),
  timeUnit: z.string().describe("Recency and T's unit"),
  unitsPerMonth: z.number(),
  logLikelihood: z.number(),
  bgnbd: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
  gammaGamma: z.object({ p: z.number(), q: z.number(), v: z.number() }).nullable(),
});

/**
 * SyncValue over HTTP: the tenant's model versions, and predictions of its active model for up to
 * {@link MAX_CUSTOMERS_PER_REQUEST} customers, the same numbers gRPC's Predict gives.
 */
export function ltvRoutes(
  app: ZodApp,
  deps: ApiDeps,
  opts: {
    models: TenantModels;
    /** Counts the lifetime value a request predicted (`syncvalue_predicted_ltv_total`). */
    countLtv(tenantId: string, sum: number): void;
  },
): void {
  const { models } = opts;
  // The store's functions take the tenant and run as it, under row-level security (tenantDb).
  const db = deps.requestDb ?? deps.db;
  app.get(
    "/shield/ltv/models",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's lifetime-value model versions, newest first",
        response: { 200: z.object({ data: z.array(modelSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const rows = await listLtvModels(db, req.ctx.tenantId);
      return {
        data: rows.map((m) => ({
          version: m.version,
          active: m.active,
          createdAt: new Date(m.createdAt).toISOString(),
          customers: m.customers,
          timeUnit: m.timeUnit,
          unitsPerMonth: m.unitsPerMonth,
          logLikelihood: m.logLikelihood,
          bgnbd: m.bgnbd,
          gammaGamma: m.gammaGamma,
        })),
      };
    },
  );

  app.post(
    "/shield/ltv/predictions",
    {
      // Reads the model, changes nothing: the read scope, and no audit entry per call.
      config: { scope: "read", audit: false },
      schema: {
        tags: ["shield"],
        summary: "Predict customers' P(alive), purchases, spend and lifetime value",
        description:
          "Answered by the tenant's active model (`kamiyo shield ltv fit --tenant ID --save --activate`); 409 when it has none.",
        body: z.strictObject({
          customers: z.array(customerSchema).min(1).max(MAX_CUSTOMERS_PER_REQUEST),
          horizonMonths: z
            .number()
            .int()
            .min(1)
            .max(MAX_HORIZON_MONTHS)
            .default(DEFAULT_HORIZON.months)
            .describe("Months predicted"),
          monthlyDiscountRate: z
            .number()
            .gt(-1)
            .default(DEFAULT_HORIZON.monthlyDiscountRate)
            .describe("Discount rate per month"),
        }),
        response: {
          200: z.object({
            modelVersion: z.number().int(),
            data: z.array(predictionSchema).describe("One per customer, in the order asked"),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const model = await models.get(req.ctx.tenantId);
      if (!model)
        throw new AppError(
          "conflict",
          "no active lifetime-value model for this tenant: fit one with `kamiyo shield ltv fit --tenant ID --save --activate`",
        );
      const { customers, horizonMonths, monthlyDiscountRate } = req.body;
      const missing = model.withSpend
        ? customers.findIndex((c) => c.monetaryValue === undefined)
        : -1;
      if (missing >= 0)
        throw new AppError(
          "invalid_input",
          `body "customers.${missing}.monetaryValue": required, as the tenant's model predicts spend`,
        );
      const horizon = { months: horizonMonths, monthlyDiscountRate };
      let sum = 0;
      const data = customers.map((c) => {
        const p = model.predict({ ...c, monetaryValue: c.monetaryValue ?? 0 }, horizon);
        sum += p.ltv ?? 0;
        return {
          pAlive: p.pAlive,
          expectedPurchases: p.expectedPurchases,
          expectedSpend: p.expectedSpend ?? null,
          ltv: p.ltv ?? null,
        };
      });
      opts.countLtv(req.ctx.tenantId, sum);
      return { modelVersion: model.version, data };
    },
  );
}
