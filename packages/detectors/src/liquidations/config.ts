import { z } from "zod";

const usd = z.number().nonnegative();
const ms = z.number().int().positive();

/** Liquidation detector settings. Amounts are notional USD (px × size), never realised PnL. */
export const liquidationsConfig = z.object({
  /** How long a public trade against a liquidator waits for the liquidator's fill. */
  confirmMs: ms.default(2_000),
  /** Events older than this (by data time, against the clock) are stored but raise nothing (snapshots, backfills of old fills). */
  maxEventAgeMs: ms.default(10 * 60_000),
  /** A single liquidation at least this large is high… */
  largeUsd: usd.default(1_000_000),
  /** …and at least this large, critical. */
  largeCriticalUsd: usd.default(10_000_000),
  /** Backstop takeovers (liquidator vault inherits the position) from this size count. */
  backstopMinUsd: usd.default(100_000),
  backstopHighUsd: usd.default(1_000_000),
  backstopCriticalUsd: usd.default(10_000_000),
  /** Auto-deleveraging totals from this size are critical (ADL against a liquidator vault is always critical). */
  adlCriticalUsd: usd.default(10_000_000),
  /** Sliding burst window: at least `burstMinCount` liquidations of one coin totalling `burstMinUsd`. */
  burstWindowMs: ms.default(10_000),
  burstMinCount: z.number().int().min(1).default(2),
  burstMinUsd: usd.default(500_000),
  burstHighUsd: usd.default(5_000_000),
  burstCriticalUsd: usd.default(50_000_000),
  /** Cascade: at least `cascadeMinCount` liquidations of one coin within the window, either direction. */
  cascadeWindowMs: ms.default(5 * 60_000),
  cascadeMinCount: z.number().int().min(2).default(5),
  cascadeCriticalUsd: usd.default(25_000_000),
  /** Cascades on this many coins at once make a market-wide cascade (critical). */
  marketCascadeCoins: z.number().int().min(2).default(3),
  /** Same liquidated account: at least `repeatMinCount` liquidations totalling `repeatMinUsd` within the window. */
  repeatWindowMs: ms.default(60 * 60_000),
  repeatMinCount: z.number().int().min(2).default(3),
  repeatMinUsd: usd.default(1_000_000),
  /** How long an episode stays open after its last event. */
  episodeHoldMs: ms.default(10 * 60_000),
});

export type LiquidationsConfig = z.output<typeof liquidationsConfig>;
