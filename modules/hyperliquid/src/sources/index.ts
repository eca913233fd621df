export { binanceConfig, binanceSource } from "./binance/binance-source.ts";
export { venueAsset } from "./coin-map.ts";
export { coinbaseConfig, coinbaseSource } from "./coinbase/coinbase-source.ts";
export { type HyperliquidConfig, hyperliquidConfig } from "./hyperliquid/config.ts";
export {
  discoverFamily,
  HLP_FAMILY_SEED,
  HLP_PARENT,
  roleFromName,
  STANDALONE_LIQUIDATOR,
} from "./hyperliquid/family.ts";
export { hyperliquidSource } from "./hyperliquid/hyperliquid-source.ts";
export * from "./hyperliquid/schemas.ts";
export {
  HyperliquidSocket,
  type SocketCounters,
  type SocketOptions,
} from "./hyperliquid/ws-client.ts";
export {
  GREETING,
  parseFrame,
  type Subscription,
  subscriptionKey,
  type WsFrame,
} from "./hyperliquid/ws-frames.ts";
export { type Parsed, validate } from "./validate.ts";
export { VenueGate } from "./venue-gate.ts";

import { binanceSource } from "./binance/binance-source.ts";
import { coinbaseSource } from "./coinbase/coinbase-source.ts";
import { hyperliquidSource } from "./hyperliquid/hyperliquid-source.ts";

/** Every source plug-in, by kind. Adding a source is one line here. */
export const sources = {
  hyperliquid: hyperliquidSource,
  binance: binanceSource,
  coinbase: coinbaseSource,
} as const;

export type SourceKind = keyof typeof sources;
