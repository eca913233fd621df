import {
  type ApiDeps,
  decimalParam,
  errorResponses,
  findingSchema,
  intParam,
  limitParam,
  timeParam,
  type ZodApp,
} from "@kamiyo/api";
import { z } from "zod";
import { hlpVault, hlpVaultHistory } from "./hlp-vault.ts";
import { liquidationPatterns, WINDOWS } from "./liquidations.ts";
import { activeDeviations, deviationHistory } from "./oracle.ts";

const num = z.number().nullable();
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x address")
  .transform((s) => s.toLowerCase());

const vaultSchema = z.object({
  vault: z.string(),
  name: z.string(),
  role: z.enum(["parent", "child", "liquidator"]),
  accountValueUsd: num,
  pnlUsd: z
    .object({ "1h": num, "24h": num, "7d": num, "30d": num })
    .describe("PnL (not account value) over each window"),
  drawdownPct: num,
  maxDrawdown30dPct: num,
  sharpe30d: num,
  openPositions: z.number(),
  unrealizedPnlUsd: num,
  portfolioAt: z.string().nullable(),
  stateAt: z.string().nullable(),
});

const positionSchema = z.object({
  vault: z.string(),
  vaultName: z.string(),
  coin: z.string(),
  side: z.enum(["long", "short"]),
  size: z.number(),
  entryPx: z.number(),
  positionValueUsd: num,
  unrealizedPnlUsd: num,
  liquidationPx: num,
});

const deviationSchema = z.object({
  coin: z.string(),
  at: z.string(),
  markPx: z.number(),
  oraclePx: z.number(),
  midPx: num,
  binancePx: num,
  coinbasePx: num.describe("USD; compared as if USD = USDT"),
  deviationPct: num,
  signedDeviationPct: num,
  pair: z.string().nullable(),
});

/** The monitor's state behind its findings: HLP vaults, oracle deviations, liquidation patterns. */
export function hyperliquidRoutes(app: ZodApp, deps: ApiDeps): void {
  app.get(
    "/security/hlp-vault",
    {
      schema: {
        tags: ["security"],
        summary: "The HLP vault family now",
        description:
          "Account values, PnL over 1 h/24 h/7 d/30 d, drawdown and Sharpe from each vault's latest portfolio; positions held by liquidator vaults; open HLP findings.",
        response: {
          200: z.object({
            asOf: z.string(),
            parent: vaultSchema.nullable(),
            family: z.array(vaultSchema),
            liquidatorPositions: z.array(positionSchema),
            openFindings: z.array(findingSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async () => hlpVault(deps),
  );

  app.get(
    "/security/hlp-vault/history",
    {
      schema: {
        tags: ["security"],
        summary: "A family vault's account value and cumulative PnL over time",
        querystring: z
          .object({
            vault: address.optional().describe("Vault address (default: the HLP parent)"),
            since: timeParam.optional(),
            until: timeParam.optional(),
            interval: intParam(60_000, 86_400_000)
              .optional()
              .describe(
                "Bucket size in ms (60,000–86,400,000); default spreads `limit` points over the range",
              ),
            limit: limitParam(5_000, 500),
          })
          .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
            message: "since must be before until",
            path: ["since"],
          }),
        response: {
          200: z.object({
            vault: z.string(),
            since: z.string(),
            until: z.string(),
            intervalMs: z.number(),
            points: z.array(
              z.object({ at: z.string(), accountValueUsd: num, cumulativePnlUsd: num }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => hlpVaultHistory(deps, { ...req.query, intervalMs: req.query.interval }),
  );

  app.get(
    "/security/oracle-deviations",
    {
      schema: {
        tags: ["security"],
        summary: "Active deviation findings and every perp's latest deviation",
        querystring: z.object({
          min_pct: decimalParam(100)
            .default(0)
            .describe("Only perps deviating at least this much (percent)"),
          limit: limitParam(500, 50),
        }),
        response: {
          200: z.object({
            asOf: z.string(),
            active: z.array(findingSchema),
            current: z.array(deviationSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => activeDeviations(deps, { minPct: req.query.min_pct, limit: req.query.limit }),
  );

  app.get(
    "/security/oracle-deviations/history",
    {
      schema: {
        tags: ["security"],
        summary: "One perp's deviation over time and its deviation findings",
        querystring: z
          .object({
            coin: z.string().regex(/^[A-Za-z0-9:]{1,20}$/, "expected a coin such as ETH"),
            since: timeParam.optional(),
            until: timeParam.optional(),
            limit: limitParam(5_000, 1_440),
          })
          .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
            message: "since must be before until",
            path: ["since"],
          }),
        response: {
          200: z.object({
            coin: z.string(),
            since: z.string(),
            until: z.string(),
            samples: z.array(deviationSchema),
            findings: z.array(findingSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => deviationHistory(deps, req.query),
  );

  app.get(
    "/security/liquidation-patterns",
    {
      schema: {
        tags: ["security"],
        summary:
          "Liquidations by coin and method, liquidation findings, and the latest liquidations",
        querystring: z.object({
          window: z
            .enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS, ...(keyof typeof WINDOWS)[]])
            .default("1h"),
          limit: limitParam(500, 50).describe("Latest liquidations listed (1–500, default 50)"),
        }),
        response: {
          200: z.object({
            window: z.string(),
            since: z.string(),
            totals: z.array(
              z.object({
                coin: z.string(),
                method: z.enum(["backstop", "market", "adl"]),
                count: z.number(),
                notionalUsd: z.number(),
                longs: z.number(),
                shorts: z.number(),
                lastAt: z.string(),
              }),
            ),
            patterns: z.array(findingSchema),
            recent: z.array(
              z.object({
                id: z.string(),
                at: z.string(),
                coin: z.string(),
                method: z.enum(["backstop", "market", "adl"]),
                liquidatedSide: z.enum(["long", "short"]),
                px: z.number(),
                size: z.number(),
                notionalUsd: z.number(),
                liquidatedUser: z.string().nullable(),
                counterparty: z.string().nullable(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => liquidationPatterns(deps, req.query),
  );
}
