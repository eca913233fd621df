import type { AlertsConfig } from "@kamiyo/alerts";
import type { ApiModule } from "@kamiyo/api";
import type { Logger, SecretBox } from "@kamiyo/core";
import type { Db, MigrationSource } from "@kamiyo/db";
import type { PipelinePlugins } from "@kamiyo/monitor";
import type { Command } from "commander";
import type { z } from "zod";
import type { CliIo } from "./cli-io.ts";

/**
 * A product line as the platform composes it: plain typed data and factories, each part
 * optional. An app lists its modules once (`composeModules`); adding a product line is its
 * package plus one entry in that list.
 */
/** A pipeline with no plug-ins: what a module without one brings. */
export interface NoPlugins {
  readonly sources: Readonly<Record<never, never>>;
  readonly detectors: Readonly<Record<never, never>>;
}

export interface ProductModule<S = unknown, P extends PipelinePlugins = NoPlugins> {
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
  readonly pipeline?: P;
  /**
   * The environment prefix of a plug-in's settings, by kind (`{ hyperliquid: "HL" }` makes
   * `HL_ENABLED`, `HL_INFO_URL`, …); a kind not listed uses its name in SCREAMING_SNAKE.
   */
  readonly pluginPrefixes?: Readonly<Record<string, string>>;
  /** The chains its pipeline watches (`GET /chains`). */
  readonly monitoredChains?: readonly MonitoredChain[];
  /** Its settings, read from environment variables under its prefix. */
  readonly settings?: ModuleSettings<S>;
  /** Adds its commands to the `kamiyo` command tree (e.g. `kamiyo intel …`). */
  cli?(program: Command, ctx: ModuleCliContext<S>): void;
}

/**
 * A module's settings: each field of `schema` is the variable `<PREFIX>_<FIELD>` (camelCase field
 * names become SCREAMING_SNAKE), listed by `kamiyo config --reference` with its description.
 */
export interface ModuleSettings<S> {
  /** `INTEL` makes `INTEL_TIMEOUT_MS`; unique across the platform and every module. */
  readonly prefix: string;
  readonly schema: z.ZodType<S>;
  /** Fields `kamiyo config` shows only as set or unset. */
  readonly secrets?: readonly string[];
}

/** What a module's commands get from the app: never the app's own configuration. */
export interface ModuleCliContext<S> {
  readonly io: CliIo;
  /** Its settings, parsed (an invalid environment has already ended the command, exit 2). */
  settings(): S;
  /** The platform's alerting settings (imports raise alerts as the pipeline does). */
  alerts(): AlertsConfig;
  /** The configured database with every composed module's tables; the command closes it. */
  openDb(): Promise<Db>;
  /**
   * A new, empty embedded database with every composed module's tables, for one run of a command
   * that works in a database without touching the configured one (an evaluation); removed when
   * the command closes it.
   */
  openTemporaryDb(): Promise<Db>;
  /** The app's logger (JSON on stderr, at LOG_LEVEL). */
  logger(): Logger;
  /**
   * The install's key ring secrets stored for tenants are sealed with (KAMIYO_SECRET_KEYS, its
   * file, or the embedded data directory's key file), or null when there is none.
   */
  secrets(): SecretBox | null;
}

/** A chain a pipeline watches: its canonical id and display name. */
export interface MonitoredChain {
  chain: string;
  name: string;
}

/**
 * Declares a module; the identity function that checks its shape, gives its commands its
 * settings' type and keeps its plug-ins' types (so the app's pipeline settings are typed).
 */
export function defineModule<S = unknown, const P extends PipelinePlugins = NoPlugins>(
  module: ProductModule<S, P>,
): ProductModule<S, P> {
  return module;
}
