/**
 * The Hyperliquid security monitor, a product module: its sources (Hyperliquid info and
 * WebSocket, the Binance and Coinbase cross-check venues), its detectors (HLP, oracle,
 * liquidations, manipulation), the pipeline they make (`MONITOR_PLUGINS`, `monitorConfig`), and
 * the replay of its recordings (`hyperliquidReplay`). Its API is `@kamiyo/hyperliquid/api`, its
 * models (features, anomaly detection, forecasts, the correlator) `@kamiyo/hyperliquid/ml`.
 */

export * from "./chains.ts";
export * from "./detectors/index.ts";
export * from "./observations.ts";
export * from "./pipeline/monitor-config.ts";
export * from "./plugin-kit.ts";
export { hyperliquidReplay } from "./replay/replay-module.ts";
export { ReplayServer, type ServerStats } from "./replay/replay-server.ts";
export * from "./sources/index.ts";
export * from "./store/index.ts";
