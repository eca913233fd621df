import { z } from "zod";

const ms = z.number().int().positive();
const rate = z.number().positive();
const usd = z.number().nonnegative();

/**
 * Manipulation signal settings. Funding rates are hourly fractions (0.0005 = 0.05 %/h;
 * Hyperliquid's baseline is 0.00125 %/h and its cap 4 %/h). Each rule's percent bands say how
 * unusual a market is; its money floors (value moved, notional added, funding paid) say whether
 * it is big enough to matter, so thin, tiny markets stay at medium or below.
 */
export const manipulationConfig = z.object({
  fundingMediumPerHour: rate
    .default(0.0005)
    .describe("|Hourly funding| that is medium (fraction: 0.0005 = 0.05 %/h)"),
  fundingHighPerHour: rate.default(0.001).describe("|Hourly funding| that is high (fraction)"),
  fundingCriticalPerHour: rate
    .default(0.005)
    .describe("|Hourly funding| that is critical (fraction)"),
  fundingMinUsdPerHour: usd
    .default(1_000)
    .describe(
      "A funding spike counts only when |funding| × open interest is at least this, USD an hour (illiquid coins' funding is noise)",
    ),
  fundingHighUsdPerHour: usd
    .default(10_000)
    .describe("A funding spike is high or critical only from this funding paid, USD an hour"),
  fundingCriticalUsdPerHour: usd
    .default(100_000)
    .describe("A funding spike is critical only from this funding paid, USD an hour"),
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
  oiJumpMinUsd: usd.default(1_000_000).describe("An OI jump must add at least this notional, USD"),
  oiJumpHighUsd: usd
    .default(5_000_000)
    .describe("An OI jump is high only when it adds at least this notional, USD (else medium)"),
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
  priceMoveMinUsd: usd
    .default(250_000)
    .describe(
      "A price move counts only when open interest × the move is at least this, USD (the value that changed hands)",
    ),
  priceMoveHighUsd: usd
    .default(1_000_000)
    .describe("A price move is high or critical only from this value moved, USD (else medium)"),
  priceMoveCriticalUsd: usd
    .default(10_000_000)
    .describe("A price move is critical only from this value moved, USD"),
  thinBookSpreadPct: z
    .number()
    .positive()
    .default(1)
    .describe(
      "Impact bid/ask spread from which a book is thin (raises OI-jump and move severity a step), percent",
    ),
  minOpenInterestUsd: usd
    .default(100_000)
    .describe("Perps with less open interest are skipped, USD"),
});

export type ManipulationConfig = z.output<typeof manipulationConfig>;
