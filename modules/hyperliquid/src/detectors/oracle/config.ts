import { z } from "zod";

const pct = z.number().positive();
const ms = z.number().int().positive();

/** Oracle and mark deviation detector settings. Percentages are plain (0.3 = 0.3 %). */
export const oracleConfig = z
  .object({
    mediumPct: pct.default(0.3).describe("Deviation band for medium, percent"),
    highPct: pct.default(0.5).describe("Deviation band for high, percent"),
    criticalPct: pct.default(1.0).describe("Deviation band for critical, percent"),
    sustainMs: ms
      .default(30_000)
      .describe(
        "A band counts only after the deviation stays above it this long without a break, ms",
      ),
    maxSampleGapMs: ms
      .default(20_000)
      .describe("Samples further apart than this break continuity, ms"),
    clearMs: ms
      .default(60_000)
      .describe("A deviation finding resolves after this long under the lowest band, ms"),
    externalMaxAgeMs: ms
      .default(60_000)
      .describe("External prices older than this are not compared, ms"),
    minOpenInterestUsd: z
      .number()
      .nonnegative()
      .default(100_000)
      .describe(
        "Perps with less open interest are skipped (their marks wander on empty books), USD",
      ),
    fullSeverityOpenInterestUsd: z
      .number()
      .nonnegative()
      .default(1_000_000)
      .describe(
        "Perps with less open interest raise deviations at most at medium: too small to hand HLP a position the monitor would report, USD",
      ),
    hyperps: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Pre-launch perps (hyperps), comma-separated: their oracle follows their own mark, so only external prices are compared",
      ),
    hyperpBandMultiplier: z
      .number()
      .min(1)
      .default(3)
      .describe("Bands are this many times wider for hyperps"),
  })
  .refine(
    (c) => c.mediumPct < c.highPct && c.highPct < c.criticalPct,
    "bands must increase: medium < high < critical",
  );

export type OracleConfig = z.output<typeof oracleConfig>;
