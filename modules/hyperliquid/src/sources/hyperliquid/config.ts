import { z } from "zod";
import { HLP_FAMILY_SEED, HLP_PARENT, STANDALONE_LIQUIDATOR } from "./family.ts";
import { address } from "./schemas.ts";

const vaultMember = z.object({
  address,
  name: z.string(),
  role: z.enum(["parent", "child", "liquidator"]),
});
const ms = z.number().int();

/** Configuration of the Hyperliquid source. */
export const hyperliquidConfig = z.object({
  infoUrl: z
    .url()
    .default("https://api.hyperliquid.xyz/info")
    .describe("Hyperliquid info endpoint (POST)"),
  wsUrl: z
    .url({ protocol: /^wss?$/ })
    .default("wss://api.hyperliquid.xyz/ws")
    .describe("Hyperliquid WebSocket endpoint"),
  hlpVault: address
    .default(HLP_PARENT)
    .describe("HLP parent vault; its children and liquidators are discovered from vaultDetails"),
  extraLiquidators: z
    .array(address)
    .default([STANDALONE_LIQUIDATOR])
    .describe("Liquidator vaults outside the HLP family to watch as well (comma-separated)"),
  familySeed: z
    .array(vaultMember)
    .default([...HLP_FAMILY_SEED])
    .describe(
      "Family used until discovery succeeds (JSON array of {address,name,role}); defaults to the documented mainnet family",
    ),
  weightPerMinute: z
    .number()
    .int()
    .min(10)
    .max(1200)
    .default(1000)
    .describe("Info request-weight budget per minute (Hyperliquid allows 1200 per IP)"),
  marketPollMs: ms
    .min(500)
    .default(5_000)
    .describe("metaAndAssetCtxs polling interval, ms (mark, oracle, funding, OI)"),
  vaultStatePollMs: ms
    .min(500)
    .default(15_000)
    .describe(
      "clearinghouseState polling interval for liquidator vaults (inherited positions), ms",
    ),
  familyStatePollMs: ms
    .min(500)
    .default(60_000)
    .describe("clearinghouseState polling interval for the HLP parent and strategy vaults, ms"),
  portfolioPollMs: ms
    .min(1_000)
    .default(60_000)
    .describe("HLP parent portfolio (PnL history) polling interval, ms"),
  childPortfolioPollMs: ms
    .min(1_000)
    .default(300_000)
    .describe("Child and liquidator vault portfolio polling interval, ms"),
  familyRefreshMs: ms.min(1_000).default(600_000).describe("HLP family rediscovery interval, ms"),
  oiCapPollMs: ms
    .min(1_000)
    .default(30_000)
    .describe("perpsAtOpenInterestCap polling interval, ms"),
  tradeCoins: z
    .union([z.literal("all"), z.array(z.string().min(1))])
    .default("all")
    .describe(
      'Coins whose public trades are streamed: "all" listed perps, or a comma-separated list',
    ),
  bootstrapCoins: z
    .array(z.string().min(1))
    .default(["BTC", "ETH", "SOL", "HYPE"])
    .describe("Coins streamed from the start, before the perp universe is known"),
  pingIntervalMs: ms
    .min(1_000)
    .max(50_000)
    .default(30_000)
    .describe(
      "Application ping after this long without sending, ms (the server drops idle clients at 60 s)",
    ),
  pongTimeoutMs: ms
    .min(500)
    .default(10_000)
    .describe("Reconnect when a ping gets no pong within this long, ms"),
  ackTimeoutMs: ms
    .min(500)
    .default(10_000)
    .describe("A subscription not acknowledged within this long is counted as unacknowledged, ms"),
  reconnectInitialMs: ms
    .min(10)
    .default(500)
    .describe("First reconnect delay ceiling, ms (full jitter, doubling)"),
  reconnectMaxMs: ms.min(100).default(30_000).describe("Largest reconnect delay ceiling, ms"),
  requestTimeoutMs: ms.min(100).default(10_000).describe("Info request timeout, ms"),
  retries: z
    .number()
    .int()
    .min(0)
    .max(10)
    .default(2)
    .describe("Retries of a failed info request (429, 5xx, network), with backoff"),
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024)
    .describe("Largest WebSocket frame accepted, bytes"),
});

export type HyperliquidConfig = z.output<typeof hyperliquidConfig>;
