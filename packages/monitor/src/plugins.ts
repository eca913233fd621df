import type { Detector, Source } from "@kamiyo/core";
import { z } from "zod";
import type { HistoryPlugin } from "./history.ts";

/** The plug-ins a pipeline runs, by kind: what product modules bring. */
export interface PipelinePlugins {
  readonly sources: Readonly<Record<string, Source>>;
  readonly detectors: Readonly<Record<string, Detector>>;
  /** What it keeps of the observations beside the findings (its tables), by name. */
  readonly stores?: Readonly<Record<string, HistoryPlugin>>;
}

/** A plug-in's settings plus whether it runs. */
export function pluginSlot<S extends z.ZodType>(schema: S) {
  // prefault (not default): an omitted value is parsed, so the plug-in's own defaults apply.
  return z
    .object({ enabled: z.boolean().default(true), config: schema.prefault({} as z.input<S>) })
    .prefault({});
}

type Slots<R extends Readonly<Record<string, { config: z.ZodType }>>> = {
  -readonly [K in keyof R]: ReturnType<typeof pluginSlot<R[K]["config"]>>;
};

function slotsOf<R extends Readonly<Record<string, { config: z.ZodType }>>>(plugins: R): Slots<R> {
  return Object.fromEntries(
    Object.entries(plugins).map(([kind, p]) => [kind, pluginSlot(p.config)]),
  ) as Slots<R>;
}

/**
 * The monitor's configuration schema for a set of plug-ins: a slot (`enabled`, `config`) per
 * source and detector, each with the plug-in's own schema, and the pipeline's settings.
 */
export function monitorConfigFor<const P extends PipelinePlugins>(plugins: P) {
  return z.object({
    sources: z.object(slotsOf<P["sources"]>(plugins.sources)).prefault({} as never),
    detectors: z.object(slotsOf<P["detectors"]>(plugins.detectors)).prefault({} as never),
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
}

/** A plug-in's parsed slot. */
export interface PluginSlotValue {
  enabled: boolean;
  config: unknown;
}

/** Any pipeline's parsed configuration, whatever its plug-ins. */
export interface AnyMonitorConfig {
  sources: Record<string, PluginSlotValue>;
  detectors: Record<string, PluginSlotValue>;
  queueCapacity: number;
  tickMs: number;
  sampleEveryMs: number;
  retentionDays: number;
}
