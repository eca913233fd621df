import {
  type ApiDeps,
  cursorParam,
  errorResponses,
  findingSchema,
  intParam,
  limitParam,
  listEvents,
  pageSchema,
  sendJsonText,
  severityParam,
  timeParam,
  type ZodApp,
} from "@kamiyo/api";
import { z } from "zod";
import { ML_DETECTOR_KIND } from "../ml/anomaly/anomaly-detector.ts";
import { FORECAST_SERIES_NAMES, type ForecastSeriesName } from "../ml/forecast/hourly-series.ts";
import { mlForecast, mlStatus } from "./ml.ts";

/** Default forecast horizon, hours. */
const DEFAULT_HOURS = 24;

export function mlRoutes(app: ZodApp, deps: ApiDeps): void {
  app.get(
    "/ml/status",
    {
      schema: {
        tags: ["ml"],
        summary: "Trained model versions (anomaly and forecast) and which are active",
        response: {
          200: z.object({
            available: z.boolean(),
            models: z.array(
              z.object({
                id: z.string(),
                purpose: z.enum(["anomaly", "forecast"]),
                algorithm: z.string(),
                version: z.number().int(),
                active: z.boolean(),
                features: z.array(z.string()),
                windowStart: z.string(),
                windowEnd: z.string(),
                trainedAt: z.string(),
                metrics: z.record(z.string(), z.unknown()),
              }),
            ),
            series: z.array(z.object({ name: z.string(), description: z.string() })),
            message: z.string(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => mlStatus(deps),
  );

  app.get(
    "/ml/anomalies",
    {
      schema: {
        tags: ["ml"],
        summary: "Findings of the ML anomaly detector, newest first",
        querystring: z.object({
          severity: severityParam.optional(),
          since: timeParam.optional().describe("Detected at or after (ISO 8601 or epoch ms)"),
          cursor: cursorParam.optional(),
          limit: limitParam(500, 50),
        }),
        response: { 200: pageSchema(findingSchema), ...errorResponses },
      },
    },
    async (req, reply) =>
      sendJsonText(reply, await listEvents(deps, { ...req.query, detector: ML_DETECTOR_KIND })),
  );

  app.get(
    "/ml/forecast",
    {
      schema: {
        tags: ["ml"],
        summary: "Forecast of a risk series for the next hours, with 95% intervals",
        querystring: z.object({
          series: z
            .enum(FORECAST_SERIES_NAMES as [ForecastSeriesName, ...ForecastSeriesName[]])
            .default("anomaly_score"),
          hours: intParam(1, 168).default(DEFAULT_HOURS),
        }),
        response: {
          200: z.object({
            series: z.string(),
            method: z.enum(["arima", "ewma"]),
            model: z.string(),
            modelId: z.string(),
            modelVersion: z.number().int(),
            basedOn: z.object({
              from: z.string(),
              hours: z.number().int(),
              filled: z.number().int(),
            }),
            level: z.number(),
            points: z.array(
              z.object({
                time: z.string(),
                mean: z.number(),
                lower: z.number(),
                upper: z.number(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => mlForecast(deps, req.query.series, req.query.hours),
  );
}
