import {
  type ApiDeps,
  cursorParam,
  decimalParam,
  errorResponses,
  limitParam,
  pageSchema,
  type ResponseCache,
  sendJsonText,
  timeParam,
  type ZodApp,
} from "@kamiyo/api";
import { z } from "zod";
import { SOURCE_PRIORITY, type SourceId } from "../index.ts";
import { chains, getExploit, listExploits, rankings } from "./intel-service.ts";

const SOURCES = SOURCE_PRIORITY as readonly SourceId[] as [SourceId, ...SourceId[]];

/** Free text without control characters (they never name anything, and PostgreSQL refuses NUL). */
const text = (max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]+$/u, `expected ${what} without control characters`);

const incidentSchema = z
  .object({
    id: z.string().describe("`exp_YYYYMMDD_<protocol key>`, stable across re-syncs"),
    protocol: z.string().describe("The name the most trusted source uses"),
    aliases: z.array(z.string()).describe("Every other name the sources use"),
    date: z
      .string()
      .describe("UTC day of the incident, YYYY-MM-DD (the earliest any source gives)"),
    occurredAt: z
      .string()
      .nullable()
      .describe(
        "When the attack happened, ISO 8601, from the most trusted source that records it (the DeFi-Hack-Chronicle's attack start; the monitor's own findings); null when sources give only the day",
      ),
    chains: z.array(z.string()).describe("Canonical chain names"),
    classification: z.string().nullable(),
    technique: z.string().nullable(),
    lossUsd: z
      .number()
      .nullable()
      .describe("Median of the sources' USD figures (lower middle when even); null without one"),
    original: z
      .object({ amount: z.number(), unit: z.string() })
      .nullable()
      .describe("The loss in tokens, as the most trusted source that gives one states it"),
    lossUnconverted: z
      .boolean()
      .describe("True when the loss is known only in tokens (never converted without a price)"),
    returnedUsd: z.number().nullable().describe("Funds returned, USD: the largest figure given"),
    txHashes: z.array(z.string()),
    sources: z.array(z.string()).describe("The distinct sources reporting it, most trusted first"),
    references: z
      .array(
        z.object({
          source: z.string(),
          sourceKey: z.string(),
          url: z.string().nullable(),
          firstSeenAt: z.string().nullable().describe("When Kamiyo first read the report"),
        }),
      )
      .describe("Each source report merged into the incident"),
  })
  .meta({ id: "Incident" });

const exploitsQuery = z
  .object({
    chain: z
      .string()
      .max(200)
      .transform((value, ctx) => {
        const items = [
          ...new Set(
            value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        ];
        if (items.length === 0 || items.some((c) => !/^[\p{L}\p{N} ._-]{1,40}$/u.test(c))) {
          ctx.addIssue({
            code: "custom",
            message: "expected comma-separated chain names such as ethereum,bsc",
          });
          return z.NEVER;
        }
        return items;
      })
      .optional()
      .describe("Any of these chains, comma-separated (names or aliases: ethereum, eth, bsc, 56…)"),
    protocol: text(100, "a protocol name")
      .optional()
      .describe(
        "The protocol or any of its aliases; compared ignoring case, spacing, punctuation, generic words (Finance, Protocol…) and version tags",
      ),
    category: text(100, "a classification")
      .optional()
      .describe("Classification, case-insensitive (e.g. Access Control)"),
    min_amount: decimalParam(1e15).optional().describe("Minimum USD loss"),
    max_amount: decimalParam(1e15).optional().describe("Maximum USD loss"),
    since: timeParam
      .optional()
      .describe(
        "Dated at or after this time (ISO 8601 date or time, or epoch ms); an incident counts at 00:00 UTC of its date",
      ),
    until: timeParam.optional().describe("Dated before this time (same forms as since)"),
    source: z.enum(SOURCES).optional().describe("Reported by this source (among others)"),
    sort: z
      .enum(["date", "amount"])
      .default("date")
      .describe(
        "date: newest first (default); amount: largest USD loss first, incidents without one last",
      ),
    limit: limitParam(200, 50),
    cursor: cursorParam.optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    message: "since must be before until",
    path: ["since"],
  })
  .refine(
    (q) => q.min_amount === undefined || q.max_amount === undefined || q.min_amount <= q.max_amount,
    { message: "min_amount must not exceed max_amount", path: ["min_amount"] },
  );

const rankingSchema = z.object({
  source: z.string(),
  score: z
    .number()
    .nullable()
    .describe("Mean of timeliness, completeness, agreement and coverage, over those not null"),
  timeliness: z
    .number()
    .nullable()
    .describe(
      "Of its incidents that two or more sources report: the share where its report was first seen no later than any other's (ties count for each)",
    ),
  completeness: z
    .number()
    .nullable()
    .describe(
      "Mean over its reports of the share present of: loss (USD or tokens), chains, classification, technique, transaction hashes, URL",
    ),
  agreement: z
    .number()
    .nullable()
    .describe(
      "Of its reports with a USD loss, in incidents with two or more USD figures: the share within 10% of the merged loss",
    ),
  coverage: z.number().describe("Its incidents / all incidents"),
  freshness: z
    .string()
    .nullable()
    .describe("Last successful sync, else when one of its reports was last seen (ISO 8601)"),
  ageHours: z.number().nullable().describe("Hours since freshness"),
  errorRate: z.number().nullable().describe("Failed syncs / attempts; null when never synced"),
  reports: z.number().int(),
  incidents: z.number().int(),
});

export function intelRoutes(app: ZodApp, deps: ApiDeps, cache: ResponseCache): void {
  app.get(
    "/exploits",
    {
      schema: {
        tags: ["exploits"],
        summary: "Exploit incidents, merged from every source",
        description:
          "Incidents de-duplicated across public sources (DeFiLlama, DeFiHackLabs, rekt, SlowMist…) and the monitor's own losses (source `kamiyo`). Filters combine; page with `cursor` (the previous page's `nextCursor`, valid for the same sort).",
        querystring: exploitsQuery,
        response: { 200: pageSchema(incidentSchema), ...errorResponses },
      },
      onSend: cache.capture,
    },
    async (req, reply) => {
      if (cache.serve(req, reply, `exploits:${JSON.stringify(req.query)}`)) return reply;
      const body = await listExploits(deps, {
        chain: req.query.chain,
        protocol: req.query.protocol,
        category: req.query.category,
        minAmount: req.query.min_amount,
        maxAmount: req.query.max_amount,
        since: req.query.since,
        until: req.query.until,
        source: req.query.source,
        sort: req.query.sort,
        limit: req.query.limit,
        cursor: req.query.cursor,
      });
      return sendJsonText(reply, body);
    },
  );

  app.get(
    "/exploits/:id",
    {
      schema: {
        tags: ["exploits"],
        summary: "One incident, by id or by one of its transactions",
        params: z.object({
          id: z
            .string()
            .regex(
              /^(exp_[a-z0-9_]{1,140}|0x[0-9a-fA-F]{64}|[1-9A-HJ-NP-Za-km-z]{64,90})$/,
              "expected an incident id (exp_…), a 0x transaction hash or a Solana signature",
            )
            .describe(
              "Incident id (`exp_…`), EVM transaction hash (0x + 64 hex) or Solana signature",
            ),
        }),
        response: { 200: incidentSchema, ...errorResponses },
      },
    },
    async (req) => getExploit(deps, req.params.id),
  );

  app.get(
    "/sources/rankings",
    {
      schema: {
        tags: ["exploits"],
        summary: "How the exploit sources compare",
        description:
          "Per source, each share 0–1 (null when there is nothing to judge it on): timeliness, completeness, agreement, coverage, and their mean as `score` (sorted by it); freshness and sync error rate are reported but not scored.",
        response: {
          200: z.object({
            computedAt: z.string(),
            totalIncidents: z.number().int(),
            sources: z.array(rankingSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async () => rankings(deps),
  );

  app.get(
    "/chains",
    {
      schema: {
        tags: ["system"],
        summary: "Chains this install monitors, and chains exploit incidents happened on",
        description:
          "Monitored chains first; then every chain an exploit incident is reported on (`monitored: false`, no findings). `exploits` counts each chain's incidents and sums their USD losses (an incident on several chains counts under each).",
        response: {
          200: z.array(
            z.object({
              chain: z.string(),
              name: z.string(),
              monitored: z.boolean(),
              findings30d: z.number(),
              openFindings: z.number(),
              exploits: z.object({ incidents: z.number().int(), lossUsd: z.number() }),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async () => chains(deps),
  );
}

/** The `exploits` section of `/stats`. */
export const exploitStatsSchema = z
  .object({
    days: z.number().nullable().describe("Look-back in days; null for all incidents"),
    since: z.string().nullable().describe("First day counted (YYYY-MM-DD); null for all"),
    total: z.number().int(),
    lossUsd: z.number().describe("Sum of the incidents' USD losses"),
    returnedUsd: z.number(),
    byChain: z
      .record(z.string(), z.object({ count: z.number().int(), lossUsd: z.number() }))
      .describe("An incident on several chains counts, whole, under each"),
    byCategory: z.record(z.string(), z.object({ count: z.number().int(), lossUsd: z.number() })),
    byMonth: z
      .record(z.string(), z.object({ count: z.number().int(), lossUsd: z.number() }))
      .describe("By YYYY-MM"),
  })
  .describe("Exploit incidents (from intel) dated within exploit_days, or all");
