import { z } from "zod";

const usd = z.number().nonnegative();

/**
 * HLP vault family detector settings. Loss, drawdown and z-score bands are the original
 * project's; the z-score's materiality floors come from recorded HLP history (README, "Where the
 * thresholds come from").
 */
export const hlpConfig = z.object({
  loss1hHighUsd: usd.default(1_000_000).describe("PnL loss over 1 h that is high, USD"),
  loss1hCriticalUsd: usd.default(2_000_000).describe("PnL loss over 1 h that is critical, USD"),
  loss24hHighUsd: usd.default(1_000_000).describe("PnL loss over 24 h that is high, USD"),
  loss24hCriticalUsd: usd.default(2_000_000).describe("PnL loss over 24 h that is critical, USD"),
  loss7dHighUsd: usd.default(5_000_000).describe("PnL loss over 7 d that is high, USD"),
  loss7dCriticalUsd: usd.default(10_000_000).describe("PnL loss over 7 d that is critical, USD"),
  loss30dHighUsd: usd.default(10_000_000).describe("PnL loss over 30 d that is high, USD"),
  loss30dCriticalUsd: usd.default(20_000_000).describe("PnL loss over 30 d that is critical, USD"),
  drawdownHighPct: z
    .number()
    .positive()
    .default(10)
    .describe(
      "Drawdown from the 30-day PnL peak (percent of account value at the peak) that is high",
    ),
  drawdownCriticalPct: z
    .number()
    .positive()
    .default(20)
    .describe("Drawdown that is critical, percent"),
  zMedium: z
    .number()
    .positive()
    .default(3)
    .describe(
      "Robust |z| (median/MAD) of a material PnL move against the previous moves that is medium",
    ),
  zHigh: z
    .number()
    .positive()
    .default(4)
    .describe("Robust |z| that is high, for a move of at least HLP_Z_HIGH_USD"),
  zMinUsd: usd
    .default(250_000)
    .describe(
      "A PnL move smaller than this raises no z-score finding, however many σ it is (materiality floor), USD",
    ),
  zMinPctOfAccount: z
    .number()
    .nonnegative()
    .default(0.05)
    .describe(
      "Nor does a move smaller than this share of the vault's account value (both floors apply), percent",
    ),
  zHighUsd: usd
    .default(1_000_000)
    .describe(
      "A z-score finding is high only for a move of at least this, USD (critical only for a loss over HLP_LOSS1H_CRITICAL_USD)",
    ),
  zWindow: z
    .number()
    .int()
    .min(10)
    .default(100)
    .describe("PnL increments the z-score compares against"),
  zMinSamples: z
    .number()
    .int()
    .min(5)
    .default(30)
    .describe("Increments needed before z-scores are computed"),
  clearAfterMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60_000)
    .describe(
      "A PnL-loss or drawdown finding resolves after this long with no window over its threshold, ms",
    ),
  inheritedMinUsd: usd
    .default(1_000_000)
    .describe(
      "Liquidator-vault positions from this notional with negative unrealised PnL are reported (medium), USD",
    ),
  inheritedLargeUsd: usd
    .default(25_000_000)
    .describe("Inherited position notional that is high, USD"),
  inheritedHighLossUsd: usd
    .default(500_000)
    .describe("Inherited position unrealised loss that is high, USD"),
  inheritedCriticalLossUsd: usd
    .default(2_000_000)
    .describe("Inherited position unrealised loss that is critical, USD"),
});

export type HlpConfig = z.output<typeof hlpConfig>;
