import type { ApiModule } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import type { MigrationSource } from "@kamiyo/db";
import type { HistoryPlugin, PipelinePlugins } from "@kamiyo/monitor";
import type { z } from "zod";
import type { ModuleSettings, MonitoredChain, ProductModule } from "./product-module.ts";

/** A module's settings with the module they belong to. */
export interface ComposedSettings extends ModuleSettings<unknown> {
  readonly module: string;
}

/** A plug-in's place in the pipeline's settings and the environment prefix of its variables. */
export interface PluginSlot {
  readonly prefix: string;
  readonly path: readonly ["sources" | "detectors", string];
  readonly schema: z.ZodType;
}

/** Any module, whatever its settings and plug-ins. */
// biome-ignore lint/suspicious/noExplicitAny: a list holds modules of every settings type; each module's own code is typed by defineModule
export type AnyModule = ProductModule<any, PipelinePlugins>;

type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** The plug-ins of every module in `M`, in one typed set. */
export type ComposedPipeline<M extends readonly AnyModule[]> = {
  readonly sources: Intersect<NonNullable<M[number]["pipeline"]>["sources"]>;
  readonly detectors: Intersect<NonNullable<M[number]["pipeline"]>["detectors"]>;
  readonly stores: Readonly<Record<string, HistoryPlugin>>;
};

/** An app's modules, taken apart for the platform parts that use them. */
export interface Composition<M extends readonly AnyModule[] = readonly AnyModule[]> {
  readonly modules: M;
  /** Each module's settings section, in list order (prefixes unique). */
  readonly settings: readonly ComposedSettings[];
  /** The modules' migrations, in list order (after the platform's). */
  readonly migrations: readonly MigrationSource[];
  /** Their API modules, in list order. */
  readonly api: readonly ApiModule[];
  /** Every module's sources and detectors in one set (kinds are unique across modules). */
  readonly pipeline: ComposedPipeline<M>;
  /** Every plug-in's settings slot, with its environment prefix (unique). */
  readonly pluginSlots: readonly PluginSlot[];
  /** Every chain a module's pipeline watches, once each, in list order. */
  readonly monitoredChains: readonly MonitoredChain[];
}

/**
 * Composes an app's product modules.
 * @throws AppError("config_invalid") when two modules share an id, an id is malformed, two
 *   modules bring a source, a detector or an API module of the same name, or two modules' settings
 *   share a prefix (the app checks them against its own prefixes).
 */
export function composeModules<const M extends readonly AnyModule[]>(modules: M): Composition<M> {
  const prefixes = new Set<string>();
  const slots: PluginSlot[] = [];
  const claim = (prefix: string, what: string) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(prefix) || prefixes.has(prefix))
      throw new AppError(
        "config_invalid",
        `${what}: settings prefix "${prefix}" is malformed or taken`,
      );
    prefixes.add(prefix);
  };
  const ids = new Set<string>();
  const sources: Record<string, PipelinePlugins["sources"][string]> = {};
  const detectors: Record<string, PipelinePlugins["detectors"][string]> = {};
  const apiIds = new Set<string>();
  const stores: Record<string, HistoryPlugin> = {};
  for (const m of modules) {
    if (!/^[a-z][a-z0-9_]*$/.test(m.id))
      throw new AppError("config_invalid", `module id "${m.id}": expected [a-z][a-z0-9_]*`);
    if (ids.has(m.id)) throw new AppError("config_invalid", `two modules with id "${m.id}"`);
    ids.add(m.id);
    if (m.api) {
      if (apiIds.has(m.api.id))
        throw new AppError("config_invalid", `two API modules with id "${m.api.id}"`);
      apiIds.add(m.api.id);
    }
    if (m.settings) claim(m.settings.prefix, `module "${m.id}"`);
    addPlugins(sources, m.pipeline?.sources ?? {}, "source", m.id);
    addPlugins(detectors, m.pipeline?.detectors ?? {}, "detector", m.id);
    addPlugins(stores, m.pipeline?.stores ?? {}, "history", m.id);
    for (const [group, plugins] of [
      ["sources", m.pipeline?.sources ?? {}],
      ["detectors", m.pipeline?.detectors ?? {}],
    ] as const)
      for (const [kind, plugin] of Object.entries(plugins)) {
        const prefix = m.pluginPrefixes?.[kind] ?? screamingSnake(kind);
        claim(prefix, `module "${m.id}": ${group.slice(0, -1)} ${kind}`);
        slots.push({ prefix, path: [group, kind], schema: plugin.config });
      }
  }
  return {
    modules,
    settings: modules.flatMap((m) => (m.settings ? [{ module: m.id, ...m.settings }] : [])),
    migrations: modules.flatMap((m) => (m.migrations ? [{ module: m.id, ...m.migrations }] : [])),
    api: modules.flatMap((m) => (m.api ? [m.api] : [])),
    pipeline: { sources, detectors, stores } as ComposedPipeline<M>,
    pluginSlots: slots,
    monitoredChains: [
      ...new Map(modules.flatMap((m) => m.monitoredChains ?? []).map((c) => [c.chain, c])).values(),
    ],
  };
}

function addPlugins<T>(
  into: Record<string, T>,
  from: Readonly<Record<string, T>>,
  what: string,
  module: string,
): void {
  for (const [kind, plugin] of Object.entries(from)) {
    if (kind in into)
      throw new AppError(
        "config_invalid",
        `module "${module}" brings a ${what} "${kind}" that another module already brings`,
      );
    into[kind] = plugin;
  }
}

/**
 * A name as an environment variable's part: `liquidationPatterns` → `LIQUIDATION_PATTERNS`,
 * `caps-rule` → `CAPS_RULE`. Plug-in kinds and settings' field names alike.
 */
export function screamingSnake(kind: string): string {
  return kind
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}
