import type { MigrationSource } from "@kamiyo/db";

/**
 * The module's tables: the audit trail, the LTV model versions, the policy check's policies,
 * clients, campaigns and spend, and outcome billing's (`migrations/`).
 */
export const shieldMigrations: MigrationSource = {
  module: "shield",
  dir: new URL("./migrations/", import.meta.url),
};
