import type { MigrationSource } from "@kamiyo/db";

/** The module's tables: the per-tenant knowledge graph (`migrations/`). */
export const rcaMigrations: MigrationSource = {
  module: "rca",
  dir: new URL("./migrations/", import.meta.url),
};
