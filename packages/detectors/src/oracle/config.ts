import { z } from "zod";

const pct = z.number().positive();
const ms = z.number().int().positive();

/** Oracle and mark deviation detector settings. Percentages are plain (0.3 = 0.3 %). */
export const oracleConfig = z
  .object({
    mediumPct: pct.default(0.3),
    highPct: pct.default(0.5),
    criticalPct: pct.default(1.0),
    /** A band counts only after the deviation has stayed above it this long without a break. */
    sustainMs: ms.default(30_000),
    /** Samples further apart than this break continuity (the source went quiet). */
    maxSampleGapMs: ms.default(20_000),
    /** An open finding resolves after the deviation stays under the lowest band this long. */
    clearMs: ms.default(60_000),
    /** External prices older than this are not compared. */
    externalMaxAgeMs: ms.default(60_000),
    /** Perps with less open interest (USD) are skipped: their marks wander on empty books. */
    minOpenInterestUsd: z.number().nonnegative().default(100_000),
    /** Pre-launch perps (hyperps): their oracle is an EMA of their own mark, not an external price. */
    hyperps: z.array(z.string().min(1)).default([]),
    /** Bands are this many times wider for hyperps, whose external references are pre-market prices. */
    hyperpBandMultiplier: z.number().min(1).default(3),
  })
  .refine(
    (c) => c.mediumPct < c.highPct && c.highPct < c.criticalPct,
    "bands must increase: medium < high < critical",
  );

export type OracleConfig = z.output<typeof oracleConfig>;
