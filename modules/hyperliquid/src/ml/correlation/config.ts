import { z } from "zod";

const ms = z.number().int().positive();
const usd = z.number().nonnegative();
const atLeast = (n: number) => z.number().int().min(n);

/**
 * Cross-protocol correlator settings (Pro and Enterprise plans). Windows are in data time;
 * amounts are USD. Parse once at start-up; an invalid value fails with every problem listed.
 */
export const correlatorConfig = z
  .object({
    windowMs: ms
      .default(5 * 60_000)
      .describe(
        "Correlation window, ms: events at most this far apart correlate, and an episode closes when this long passes with no new member",
      ),
    latenessMs: z
      .number()
      .int()
      .nonnegative()
      .default(60_000)
      .describe(
        "How far behind the clock an event's data time may be and still be correlated (late or out-of-order findings), ms; older events are dropped and counted",
      ),
    liquidationMinEvents: atLeast(2)
      .default(3)
      .describe("Liquidations within the window that make a liquidation cascade"),
    liquidationMinUsd: usd
      .default(1_000_000)
      .describe("Liquidated notional within the window a cascade must exceed (strictly), USD"),
    liquidationMinProtocols: atLeast(1)
      .default(1)
      .describe(
        "Distinct protocols a liquidation cascade needs (1: a Hyperliquid-only cascade counts)",
      ),
    oracleMinVenuePairs: atLeast(2)
      .default(2)
      .describe(
        "Distinct venue comparisons (e.g. hyperliquid~binance, hyperliquid~coinbase) with a deviation on one asset that make an oracle arbitrage",
      ),
    oracleMinMembers: atLeast(2)
      .default(2)
      .describe(
        "Events on the asset an oracle arbitrage needs (deviations, plus manipulation or liquidation findings on it), so one deviation finding is never raised twice",
      ),
    flashLoanMinEvents: atLeast(2)
      .default(2)
      .describe("Flash-loan exploits within the window that make a flash-loan cascade"),
    flashLoanMinProtocols: atLeast(2)
      .default(2)
      .describe("Distinct protocols those flash-loan exploits must hit"),
    bridgeMinChains: atLeast(2)
      .default(2)
      .describe("Distinct chains a bridge exploit and its follow-ups must span"),
    criticalUsd: usd
      .default(10_000_000)
      .describe("A correlation whose total reaches this is critical, USD"),
    criticalProtocols: atLeast(2)
      .default(3)
      .describe("A correlation across at least this many protocols is critical"),
    minRaiseGapMs: z
      .number()
      .int()
      .nonnegative()
      .default(1_000)
      .describe(
        "A growing correlation is re-raised at most once per this much clock time (one more such gap per thousand members); what changed in between is raised on a later tick, ms",
      ),
    maxEvidenceMembers: atLeast(1)
      .default(50)
      .describe("Member ids listed in a correlation's evidence (the count is always complete)"),
    maxEpisodeMembers: atLeast(100)
      .default(100_000)
      .describe(
        "Members one correlation keeps at most; later ones keep it open and are counted in membersOmitted, not in its totals",
      ),
    incidentPollMs: z
      .number()
      .int()
      .min(1_000)
      .default(10_000)
      .describe(
        "How often the monitor looks for exploit incidents with an attack time that imports and syncs (other processes) stored, ms",
      ),
    maxBufferedEvents: atLeast(100)
      .default(50_000)
      .describe(
        "Events held for correlation at most; past it the oldest tenth is dropped and counted",
      ),
  })
  .refine((c) => c.latenessMs <= c.windowMs, {
    message: "latenessMs must not exceed windowMs",
    path: ["latenessMs"],
  });

export type CorrelatorConfig = z.output<typeof correlatorConfig>;
