import { decimal, nullableDecimal } from "@kamiyo/core";
import { z } from "zod";
import type { AssetCtx, Fill, PortfolioPeriod, Position, Trade } from "../../observations.ts";

/** An EVM address, normalised to lower case. */
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x address")
  .transform((s) => s.toLowerCase());

const side = z.enum(["B", "A"]);
const ms = z.number().int().nonnegative();

/** WS `trades` item and info `recentTrades` item. */
export const tradeSchema = z
  .object({
    coin: z.string().min(1),
    side,
    px: decimal,
    sz: decimal,
    time: ms,
    tid: z.number().int(),
    hash: z.string(),
    users: z.tuple([address, address]),
  })
  .transform(
    (t): Trade => ({
      coin: t.coin,
      side: t.side,
      px: t.px,
      sz: t.sz,
      time: t.time,
      tid: t.tid,
      hash: t.hash,
      buyer: t.users[0],
      seller: t.users[1],
    }),
  );

/** A fill (`userFills`, `userFillsByTime`, WS `userFills` and `user`). */
export const fillSchema = z
  .object({
    coin: z.string().min(1),
    px: decimal,
    sz: decimal,
    side,
    time: ms,
    startPosition: decimal,
    dir: z.string(),
    closedPnl: decimal,
    hash: z.string(),
    oid: z.number().int(),
    tid: z.number().int(),
    crossed: z.boolean(),
    fee: decimal,
    liquidation: z
      .object({
        liquidatedUser: address.optional(),
        markPx: decimal,
        method: z.enum(["market", "backstop"]),
      })
      .optional(),
  })
  .transform(
    (f): Fill => ({
      coin: f.coin,
      px: f.px,
      sz: f.sz,
      side: f.side,
      time: f.time,
      startPosition: f.startPosition,
      dir: f.dir,
      closedPnl: f.closedPnl,
      hash: f.hash,
      oid: f.oid,
      tid: f.tid,
      crossed: f.crossed,
      fee: f.fee,
      liquidation: f.liquidation
        ? {
            liquidatedUser: f.liquidation.liquidatedUser ?? null,
            markPx: f.liquidation.markPx,
            method: f.liquidation.method,
          }
        : null,
    }),
  );

/** `meta.universe[]` entry. */
export const perpMetaSchema = z.object({
  name: z.string().min(1),
  szDecimals: z.number().int(),
  maxLeverage: z.number(),
  isDelisted: z.boolean().nullish(),
});

/** `meta` response. */
export const metaSchema = z.object({
  universe: z.array(perpMetaSchema),
  collateralToken: z.number().int().optional(),
});

/** `allPerpMetas` response: one meta per perp dex. */
export const allPerpMetasSchema = z.array(metaSchema);

/** One `PerpAssetCtx`. */
export const assetCtxSchema = z.object({
  funding: decimal,
  openInterest: decimal,
  prevDayPx: decimal,
  dayNtlVlm: decimal,
  premium: nullableDecimal.optional(),
  oraclePx: decimal,
  markPx: decimal,
  midPx: nullableDecimal.optional(),
  impactPxs: z.tuple([decimal, decimal]).nullable().optional(),
});

/** `metaAndAssetCtxs` response, joined by index into named asset contexts. */
export const metaAndAssetCtxsSchema = z
  .tuple([metaSchema, z.array(assetCtxSchema)])
  .refine(
    ([meta, ctxs]) => meta.universe.length === ctxs.length,
    "universe and asset contexts differ in length",
  )
  .transform(([meta, ctxs]): AssetCtx[] =>
    meta.universe.map((m, i) => {
      const c = ctxs[i] as z.output<typeof assetCtxSchema>;
      return {
        coin: m.name,
        markPx: c.markPx,
        oraclePx: c.oraclePx,
        midPx: c.midPx ?? null,
        funding: c.funding,
        openInterest: c.openInterest,
        premium: c.premium ?? null,
        prevDayPx: c.prevDayPx,
        dayNtlVlm: c.dayNtlVlm,
        impactBidPx: c.impactPxs?.[0] ?? null,
        impactAskPx: c.impactPxs?.[1] ?? null,
        maxLeverage: m.maxLeverage,
        isDelisted: m.isDelisted === true,
      };
    }),
  );

const positionSchema = z
  .object({
    coin: z.string().min(1),
    szi: decimal,
    entryPx: decimal,
    positionValue: decimal,
    unrealizedPnl: decimal,
    liquidationPx: nullableDecimal,
    marginUsed: decimal,
  })
  .transform((p): Position => p);

const marginSummarySchema = z.object({
  accountValue: decimal,
  totalNtlPos: decimal,
  totalRawUsd: decimal,
  totalMarginUsed: decimal,
});

/** `clearinghouseState` response. */
export const clearinghouseStateSchema = z
  .object({
    marginSummary: marginSummarySchema,
    withdrawable: decimal,
    assetPositions: z.array(z.object({ position: positionSchema })),
    time: ms,
  })
  .transform((s) => ({
    time: s.time,
    accountValue: s.marginSummary.accountValue,
    totalNtlPos: s.marginSummary.totalNtlPos,
    withdrawable: s.withdrawable,
    positions: s.assetPositions.map((a) => a.position),
  }));

const seriesSchema = z.array(z.tuple([ms, decimal]));

const portfolioPeriodSchema = z
  .object({ accountValueHistory: seriesSchema, pnlHistory: seriesSchema, vlm: decimal })
  .transform((p): PortfolioPeriod => ({ accountValue: p.accountValueHistory, pnl: p.pnlHistory }));

const PERIODS = ["day", "week", "month", "allTime"] as const;

/** `portfolio` response (also `vaultDetails.portfolio`): the day, week, month and allTime periods. */
export const portfolioSchema = z
  .array(z.tuple([z.string(), portfolioPeriodSchema]))
  .transform((entries, ctx) => {
    const byName = new Map(entries);
    const out = {} as Record<(typeof PERIODS)[number], PortfolioPeriod>;
    for (const name of PERIODS) {
      const period = byName.get(name);
      if (!period) {
        ctx.addIssue({ code: "custom", message: `portfolio lacks the "${name}" period` });
        return z.NEVER;
      }
      out[name] = period;
    }
    return out;
  });

/** `vaultDetails` response (null for an unknown vault). */
export const vaultDetailsSchema = z
  .object({
    name: z.string(),
    vaultAddress: address,
    leader: address,
    isClosed: z.boolean(),
    relationship: z
      .object({
        type: z.enum(["normal", "child", "parent"]),
        data: z.object({ childAddresses: z.array(address) }).optional(),
      })
      .optional(),
  })
  .nullable();

/** `perpsAtOpenInterestCap` response. */
export const oiCapSchema = z.array(z.string());

/** `l2Book` response (null for an unknown coin). */
const levelSchema = z.object({ px: decimal, sz: decimal, n: z.number().int().optional() });
export const l2BookSchema = z
  .object({
    coin: z.string(),
    time: ms,
    levels: z.tuple([z.array(levelSchema), z.array(levelSchema)]),
  })
  .transform((b) => ({
    coin: b.coin,
    time: b.time,
    bids: b.levels[0].map((l) => ({ px: l.px, sz: l.sz, n: l.n ?? 0 })),
    asks: b.levels[1].map((l) => ({ px: l.px, sz: l.sz, n: l.n ?? 0 })),
  }))
  .nullable();

/** `candleSnapshot` response. */
export const candlesSchema = z.array(
  z.object({
    t: ms,
    T: ms,
    s: z.string(),
    i: z.string(),
    o: decimal,
    c: decimal,
    h: decimal,
    l: decimal,
    v: decimal,
    n: z.number().int(),
  }),
);

/** `fundingHistory` response. */
export const fundingHistorySchema = z.array(
  z.object({ coin: z.string(), fundingRate: decimal, premium: decimal, time: ms }),
);

/** `predictedFundings` response: per coin, per venue, the next funding (or null). */
export const predictedFundingsSchema = z.array(
  z.tuple([
    z.string(),
    z.array(
      z.tuple([
        z.string(),
        z
          .object({
            fundingRate: decimal,
            nextFundingTime: ms,
            fundingIntervalHours: z.number().optional(),
          })
          .nullable(),
      ]),
    ),
  ]),
);

/** `spotMeta` response. */
export const spotMetaSchema = z.object({
  universe: z.array(
    z.object({
      tokens: z.tuple([z.number().int(), z.number().int()]),
      name: z.string(),
      index: z.number().int(),
    }),
  ),
  tokens: z.array(
    z.object({ name: z.string(), szDecimals: z.number().int(), index: z.number().int() }),
  ),
});

/** `userRole` response. */
export const userRoleSchema = z.object({
  role: z.enum(["user", "vault", "agent", "subAccount", "missing"]),
});

/** `userFills` / `userFillsByTime` response. */
export const fillsSchema = z.array(fillSchema);
