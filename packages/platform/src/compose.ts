import type { ApiModule } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import type { MigrationSource } from "@kamiyo/db";
import type { PipelinePlugins } from "@kamiyo/monitor";
import type { ModuleSettings, MonitoredChain, ProductModule } from "./product-module.ts";

/** A module's settings with the module they belong to. */
export interface ComposedSettings extends ModuleSettings<unknown> {
  readonly module: string;
}

/** An app's modules, taken apart for the platform parts that use them. */
export interface Composition {
  readonly modules: readonly ProductModule[];
  /** Each module's settings section, in list order (prefixes unique). */
  readonly settings: readonly ComposedSettings[];
  /** The modules' migrations, in list order (after the platform's). */
  readonly migrations: readonly MigrationSource[];
  /** Their API modules, in list order. */
  readonly api: readonly ApiModule[];
  /** Every module's sources and detectors in one set (kinds are unique across modules). */
  readonly pipeline: PipelinePlugins;
  /** Every chain a module's pipeline watches, once each, in list order. */
  readonly monitoredChains: readonly MonitoredChain[];
}

/**
 * Composes an app's product modules.
 * @throws AppError("config_invalid") when two modules share an id, an id is malformed, two
 *   modules bring a source, a detector or an API module of the same name, or two modules' settings
 *   share a prefix (the app checks them against its own prefixes).
 */
export function composeModules(modules: readonly ProductModule[]): Composition {
  const prefixes = new Set<string>();
  const ids = new Set<string>();
  const sources: Record<string, PipelinePlugins["sources"][string]> = {};
  const detectors: Record<string, PipelinePlugins["detectors"][string]> = {};
  const apiIds = new Set<string>();
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
    if (m.settings) {
      if (!/^[A-Z][A-Z0-9]*$/.test(m.settings.prefix) || prefixes.has(m.settings.prefix))
        throw new AppError(
          "config_invalid",
          `module "${m.id}": settings prefix "${m.settings.prefix}" is malformed or taken`,
        );
      prefixes.add(m.settings.prefix);
    }
    addPlugins(sources, m.pipeline?.sources ?? {}, "source", m.id);
    addPlugins(detectors, m.pipeline?.detectors ?? {}, "detector", m.id);
  }
  return {
    modules,
    settings: modules.flatMap((m) => (m.settings ? [{ module: m.id, ...m.settings }] : [])),
    migrations: modules.flatMap((m) => (m.migrations ? [{ module: m.id, ...m.migrations }] : [])),
    api: modules.flatMap((m) => (m.api ? [m.api] : [])),
    pipeline: { sources, detectors },
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
