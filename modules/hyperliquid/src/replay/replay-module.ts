import type { LineSources, ReplayModule } from "@kamiyo/replay";
import {
  MONITOR_PLUGINS,
  type MonitorConfig,
  type MonitorConfigInput,
  monitorConfig,
} from "../pipeline/monitor-config.ts";
import { ReplayServer, type ServerStats } from "./replay-server.ts";

/**
 * What the Hyperliquid monitor records: Hyperliquid WebSocket frames (`hl.ws`), info requests
 * (`hl.info`, named by their `type`), and the venues' REST tickers (`binance`, `coinbase`).
 */
export const HL_LINES: LineSources = {
  frames: ["hl.ws"],
  typed: ["hl.info"],
  rest: ["binance", "coinbase"],
};

/**
 * The Hyperliquid monitor's recordings replayed: a local server speaking Hyperliquid info and
 * WebSocket, Binance and Coinbase REST, with the monitor's sources aimed at it.
 */
export const hyperliquidReplay: ReplayModule<MonitorConfigInput, MonitorConfig, ServerStats> = {
  lines: HL_LINES,
  startServer: (log) => ReplayServer.start(log),
  plugins: MONITOR_PLUGINS,
  config: (input, url) => monitorConfig.parse(pointAt(input, url)),
};

/** The monitor settings with every source aimed at the replay server. */
function pointAt(config: MonitorConfigInput, base: string): MonitorConfigInput {
  const sources = config.sources ?? {};
  return {
    ...config,
    sources: {
      ...sources,
      hyperliquid: {
        ...sources.hyperliquid,
        config: {
          ...sources.hyperliquid?.config,
          infoUrl: `${base}/info`,
          wsUrl: `${base.replace("http", "ws")}/ws`,
        },
      },
      binance: {
        ...sources.binance,
        config: { ...sources.binance?.config, urls: [`${base}/binance`] },
      },
      coinbase: {
        ...sources.coinbase,
        config: { ...sources.coinbase?.config, urls: [`${base}/coinbase`] },
      },
    },
  };
}
