import type { MigrationSource } from "@kamiyo/db";

/** The module's tables: the audit trail and the LTV model versions (`migrations/`). */
export const shieldMigrations: MigrationSource = {
  module: "shield",
  dir: new URL("./migrations/", import.meta.url),
};
