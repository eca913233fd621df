import type { ApiModule } from "@kamiyo/api";
import type { MigrationSource } from "@kamiyo/db";
import type { PipelinePlugins } from "@kamiyo/monitor";

/**
 * A product line as the platform composes it: plain typed data and factories, each part
 * optional. An app lists its modules once (`composeModules`); adding a product line is its
 * package plus one entry in that list.
 */
export interface ProductModule {
  /** Short, stable id (`[a-z][a-z0-9_]*`): names its migrations in the ledger. */
  readonly id: string;
  /** What users call it ("Exploit intelligence"). */
  readonly title: string;
  /**
   * Its tables: a folder of `NNNN_name.sql`, versioned on their own and applied after the
   * platform's. A table with a `tenant_id` must be under forced row-level security, or
   * `migrate` refuses the migration.
   */
  readonly migrations?: Omit<MigrationSource, "module">;
  /** Its HTTP routes, OpenAPI tags and `/stats` section. */
  readonly api?: ApiModule;
  /** The sources and detectors its pipeline runs, by kind. */
  readonly pipeline?: PipelinePlugins;
  /** The chains its pipeline watches (`GET /chains`). */
  readonly monitoredChains?: readonly MonitoredChain[];
}

/** A chain a pipeline watches: its canonical id and display name. */
export interface MonitoredChain {
  chain: string;
  name: string;
}

/** Declares a module; the identity function that checks its shape. */
export function defineModule<const M extends ProductModule>(module: M): M {
  return module;
}
