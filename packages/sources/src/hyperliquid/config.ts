import { z } from "zod";
import { HLP_FAMILY_SEED, HLP_PARENT, STANDALONE_LIQUIDATOR } from "./family.ts";
import { address } from "./schemas.ts";

const vaultMember = z.object({
  address,
  name: z.string(),
  role: z.enum(["parent", "child", "liquidator"]),
});

/** Configuration of the Hyperliquid source. Times in ms. */
export const hyperliquidConfig = z.object({
  /** Info endpoint. */
  infoUrl: z.url().default("https://api.hyperliquid.xyz/info"),
  /** WebSocket endpoint. */
  wsUrl: z.url({ protocol: /^wss?$/ }).default("wss://api.hyperliquid.xyz/ws"),
  /** The HLP parent vault whose family is discovered. */
  hlpVault: address.default(HLP_PARENT),
  /** Liquidator vaults outside the HLP family to watch as well. */
  extraLiquidators: z.array(address).default([STANDALONE_LIQUIDATOR]),
  /** Used until discovery succeeds. */
  familySeed: z.array(vaultMember).default([...HLP_FAMILY_SEED]),
  /** Request-weight budget per minute; Hyperliquid allows 1200 per IP. */
  weightPerMinute: z.number().int().min(10).max(1200).default(1000),
  marketPollMs: z.number().int().min(500).default(5_000),
  vaultStatePollMs: z.number().int().min(500).default(15_000),
  portfolioPollMs: z.number().int().min(1_000).default(60_000),
  childPortfolioPollMs: z.number().int().min(1_000).default(300_000),
  familyRefreshMs: z.number().int().min(1_000).default(600_000),
  oiCapPollMs: z.number().int().min(1_000).default(30_000),
  /** Coins whose public trades are streamed: "all" listed perps, or a list. */
  tradeCoins: z.union([z.literal("all"), z.array(z.string().min(1))]).default("all"),
  /** Streamed from the start, before the perp universe is known. */
  bootstrapCoins: z.array(z.string().min(1)).default(["BTC", "ETH", "SOL", "HYPE"]),
  pingIntervalMs: z.number().int().min(1_000).max(50_000).default(30_000),
  pongTimeoutMs: z.number().int().min(500).default(10_000),
  ackTimeoutMs: z.number().int().min(500).default(10_000),
  reconnectInitialMs: z.number().int().min(10).default(500),
  reconnectMaxMs: z.number().int().min(100).default(30_000),
  requestTimeoutMs: z.number().int().min(100).default(10_000),
  retries: z.number().int().min(0).max(10).default(2),
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
});

export type HyperliquidConfig = z.output<typeof hyperliquidConfig>;
