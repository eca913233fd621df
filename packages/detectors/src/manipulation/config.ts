import { z } from "zod";

const ms = z.number().int().positive();
const rate = z.number().positive();

/**
 * Manipulation signal settings. Funding rates are hourly fractions (0.0005 = 0.05 %/h;
 * Hyperliquid's baseline is 0.00125 %/h and its cap 4 %/h). Percent thresholds are plain.
 */
export const manipulationConfig = z.object({
  fundingMediumPerHour: rate.default(0.0005),
  fundingHighPerHour: rate.default(0.001),
  fundingCriticalPerHour: rate.default(0.005),
  /** Window for open-interest jumps and price moves. */
  windowMs: ms.default(5 * 60_000),
  oiJumpMediumPct: z.number().positive().default(50),
  oiJumpHighPct: z.number().positive().default(100),
  /** An OI jump must add at least this much notional (USD). */
  oiJumpMinUsd: z.number().nonnegative().default(1_000_000),
  priceMoveMediumPct: z.number().positive().default(10),
  priceMoveHighPct: z.number().positive().default(20),
  priceMoveCriticalPct: z.number().positive().default(50),
  /** A book is thin when the impact bid/ask spread is at least this wide (percent); thin books raise severity one step. */
  thinBookSpreadPct: z.number().positive().default(1),
  /** Perps with less open interest (USD) are skipped. */
  minOpenInterestUsd: z.number().nonnegative().default(100_000),
});

export type ManipulationConfig = z.output<typeof manipulationConfig>;
