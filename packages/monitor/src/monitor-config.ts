import {
  binanceConfig,
  coinbaseConfig,
  hlpConfig,
  hyperliquidConfig,
  liquidationsConfig,
  manipulationConfig,
  oracleConfig,
} from "@kamiyo/hyperliquid";
import { z } from "zod";

/** A plug-in's settings plus whether it runs. */
function pluginSlot<S extends z.ZodType>(schema: S) {
  // prefault (not default): an omitted value is parsed, so the plug-in's own defaults apply.
  return z
    .object({ enabled: z.boolean().default(true), config: schema.prefault({} as z.input<S>) })
    .prefault({});
}

/** Everything the monitor pipeline needs; apps build it from their environment. */
export const monitorConfig = z.object({
  sources: z
    .object({
      hyperliquid: pluginSlot(hyperliquidConfig),
      binance: pluginSlot(binanceConfig),
      coinbase: pluginSlot(coinbaseConfig),
    })
    .prefault({}),
  detectors: z
    .object({
      hlp: pluginSlot(hlpConfig),
      oracle: pluginSlot(oracleConfig),
      liquidations: pluginSlot(liquidationsConfig),
      manipulation: pluginSlot(manipulationConfig),
    })
    .prefault({}),
  queueCapacity: z
    .number()
    .int()
    .min(100)
    .default(50_000)
    .describe(
      "Observations held between sources and detectors; beyond this they are dropped and counted",
    ),
  tickMs: z
    .number()
    .int()
    .min(100)
    .default(1_000)
    .describe("Detector tick cadence (time-driven rules, finding expiry), ms"),
  sampleEveryMs: z
    .number()
    .int()
    .min(1_000)
    .default(60_000)
    .describe(
      "Vault states and market samples are stored at most once per this many ms per subject",
    ),
  retentionDays: z
    .number()
    .int()
    .min(1)
    .default(90)
    .describe("History older than this is deleted hourly, days (open-source plan: 90)"),
});

export type MonitorConfig = z.output<typeof monitorConfig>;
export type MonitorConfigInput = z.input<typeof monitorConfig>;
