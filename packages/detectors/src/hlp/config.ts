import { z } from "zod";

const usd = z.number().nonnegative();

/** HLP vault family detector settings (defaults from the original project where it had them). */
export const hlpConfig = z.object({
  loss1hHighUsd: usd.default(1_000_000),
  loss1hCriticalUsd: usd.default(2_000_000),
  loss24hHighUsd: usd.default(1_000_000),
  loss24hCriticalUsd: usd.default(2_000_000),
  loss7dHighUsd: usd.default(5_000_000),
  loss7dCriticalUsd: usd.default(10_000_000),
  loss30dHighUsd: usd.default(10_000_000),
  loss30dCriticalUsd: usd.default(20_000_000),
  /** Drawdown from the 30-day PnL peak, percent of the account value at the peak. */
  drawdownHighPct: z.number().positive().default(10),
  drawdownCriticalPct: z.number().positive().default(20),
  /** z-score of the latest PnL increment against the previous ones. */
  zMedium: z.number().positive().default(3),
  zHigh: z.number().positive().default(4),
  zWindow: z.number().int().min(10).default(100),
  zMinSamples: z.number().int().min(5).default(30),
  /** Liquidator-vault positions from this notional with negative unrealised PnL are reported… */
  inheritedMinUsd: usd.default(1_000_000),
  /** …high from this notional or this unrealised loss… */
  inheritedLargeUsd: usd.default(25_000_000),
  inheritedHighLossUsd: usd.default(500_000),
  /** …and critical from this unrealised loss. */
  inheritedCriticalLossUsd: usd.default(2_000_000),
});

export type HlpConfig = z.output<typeof hlpConfig>;
