import { z } from "zod";

const usd = z.number().nonnegative();
const ms = z.number().int().positive();

/** Liquidation detector settings. Amounts are notional USD (px × size), never realised PnL. */
export const liquidationsConfig = z.object({
  confirmMs: ms
    .default(2_000)
    .describe(
      "How long a public trade against a liquidator vault waits for the vault's own fill, ms",
    ),
  maxEventAgeMs: ms
    .default(10 * 60_000)
    .describe(
      "Liquidations older than this (data time vs clock) are stored but raise nothing (connect snapshots, old backfills), ms",
    ),
  largeUsd: usd.default(1_000_000).describe("A single liquidation from this notional is high, USD"),
  largeCriticalUsd: usd
    .default(10_000_000)
    .describe("A single liquidation from this notional is critical, USD"),
  backstopMinUsd: usd
    .default(100_000)
    .describe(
      "Backstop takeovers (a liquidator vault inherits the position) from this notional count, USD",
    ),
  backstopHighUsd: usd
    .default(1_000_000)
    .describe("Backstop absorption per coin episode from this total is high, USD"),
  backstopCriticalUsd: usd
    .default(10_000_000)
    .describe("Backstop absorption per coin episode from this total is critical, USD"),
  adlHighUsd: usd
    .default(1_000_000)
    .describe("ADL per coin episode from this total is high (below it, medium), USD"),
  adlCriticalUsd: usd
    .default(10_000_000)
    .describe(
      "ADL per coin episode from this total is critical (ADL against a liquidator vault always is), USD",
    ),
  burstWindowMs: ms.default(10_000).describe("Sliding burst window, ms"),
  burstMinCount: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe("Liquidations of one coin needed in the burst window"),
  burstMinUsd: usd
    .default(500_000)
    .describe("Notional in the burst window that makes a burst (medium), USD"),
  burstHighUsd: usd.default(5_000_000).describe("Burst notional that is high, USD"),
  burstCriticalUsd: usd.default(50_000_000).describe("Burst notional that is critical, USD"),
  cascadeWindowMs: ms.default(5 * 60_000).describe("Cascade window, ms"),
  cascadeMinCount: z
    .number()
    .int()
    .min(2)
    .default(5)
    .describe(
      "Liquidations of one coin in the window that make a cascade (either price direction)",
    ),
  cascadeCriticalUsd: usd.default(25_000_000).describe("Cascade notional that is critical, USD"),
  marketCascadeCoins: z
    .number()
    .int()
    .min(2)
    .default(3)
    .describe("Coins cascading at once that make a market-wide cascade (critical)"),
  repeatWindowMs: ms
    .default(60 * 60_000)
    .describe("Window for repeated liquidations of one account, ms"),
  repeatMinCount: z
    .number()
    .int()
    .min(2)
    .default(3)
    .describe("Liquidations of one account in the window that count as repeats"),
  repeatMinUsd: usd.default(1_000_000).describe("Total notional of those repeats needed, USD"),
  episodeHoldMs: ms
    .default(10 * 60_000)
    .describe(
      "A backstop, ADL or large-liquidation finding closes this long after its last event, ms",
    ),
});

export type LiquidationsConfig = z.output<typeof liquidationsConfig>;
