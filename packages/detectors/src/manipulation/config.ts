import { z } from "zod";

const ms = z.number().int().positive();
const rate = z.number().positive();

/**
 * Manipulation signal settings. Funding rates are hourly fractions (0.0005 = 0.05 %/h;
 * Hyperliquid's baseline is 0.00125 %/h and its cap 4 %/h).
 */
export const manipulationConfig = z.object({
  fundingMediumPerHour: rate
    .default(0.0005)
    .describe("|Hourly funding| that is medium (fraction: 0.0005 = 0.05 %/h)"),
  fundingHighPerHour: rate.default(0.001).describe("|Hourly funding| that is high (fraction)"),
  fundingCriticalPerHour: rate
    .default(0.005)
    .describe("|Hourly funding| that is critical (fraction)"),
  clearMs: ms
    .default(10 * 60_000)
    .describe("A funding spike resolves after funding stays under the medium rate this long, ms"),
  windowMs: ms.default(5 * 60_000).describe("Window for open-interest jumps and price moves, ms"),
  oiJumpMediumPct: z
    .number()
    .positive()
    .default(50)
    .describe("Open-interest rise within the window that is medium, percent"),
  oiJumpHighPct: z
    .number()
    .positive()
    .default(100)
    .describe("Open-interest rise within the window that is high, percent"),
  oiJumpMinUsd: z
    .number()
    .nonnegative()
    .default(1_000_000)
    .describe("An OI jump must add at least this notional, USD"),
  priceMoveMediumPct: z
    .number()
    .positive()
    .default(10)
    .describe("Mark move within the window that is medium, percent"),
  priceMoveHighPct: z
    .number()
    .positive()
    .default(20)
    .describe("Mark move within the window that is high, percent"),
  priceMoveCriticalPct: z
    .number()
    .positive()
    .default(50)
    .describe("Mark move within the window that is critical, percent"),
  thinBookSpreadPct: z
    .number()
    .positive()
    .default(1)
    .describe(
      "Impact bid/ask spread from which a book is thin (raises OI-jump and move severity a step), percent",
    ),
  minOpenInterestUsd: z
    .number()
    .nonnegative()
    .default(100_000)
    .describe("Perps with less open interest are skipped, USD"),
});

export type ManipulationConfig = z.output<typeof manipulationConfig>;
