import type { MigrationSource } from "@kamiyo/db";
import { defineModule } from "@kamiyo/platform";
import { rcaCli } from "./cli/rca-commands.ts";

/** The module's tables: the per-tenant knowledge graph (`migrations/`). */
export const rcaMigrations: MigrationSource = {
  module: "rca",
  dir: new URL("./migrations/", import.meta.url),
};

/**
 * Kubernetes root-cause analysis as the platform composes it: so far its tables (the per-tenant
 * knowledge graph) and its commands (`kamiyo rca evaluate|agent|nats-trust|credentials`); its
 * routes come with the KG API.
 */
export const rcaModule = defineModule({
  id: "rca",
  title: "Kubernetes root-cause analysis",
  migrations: { dir: rcaMigrations.dir },
  cli: rcaCli,
});
