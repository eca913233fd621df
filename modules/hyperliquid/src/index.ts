/**
 * The Hyperliquid security monitor, a product module: its sources (Hyperliquid info and
 * WebSocket, the Binance and Coinbase cross-check venues) and its detectors (HLP, oracle,
 * liquidations, manipulation).
 */

export * from "./chains.ts";
export * from "./detectors/index.ts";
export * from "./sources/index.ts";
