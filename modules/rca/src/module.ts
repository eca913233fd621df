import type { MigrationSource } from "@kamiyo/db";
import { defineModule } from "@kamiyo/platform";
import { rcaApi } from "./api/index.ts";
import { rcaCli } from "./cli/rca-commands.ts";
import { rcaSettings } from "./settings.ts";

/** The module's tables: the per-tenant knowledge graph (`migrations/`). */
export const rcaMigrations: MigrationSource = {
  module: "rca",
  dir: new URL("./migrations/", import.meta.url),
};

/**
 * Kubernetes root-cause analysis as the platform composes it: its tables (the per-tenant
 * knowledge graph), its API (the graph and RCA queries under `/rca/`) and its commands
 * (`kamiyo rca evaluate|agent|nats-trust|credentials`).
 */
export const rcaModule = defineModule({
  id: "rca",
  title: "Kubernetes root-cause analysis",
  migrations: { dir: rcaMigrations.dir },
  api: rcaApi,
  settings: { prefix: "RCA", schema: rcaSettings },
  cli: rcaCli,
});
