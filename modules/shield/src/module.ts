import { defineModule } from "@kamiyo/platform";
import { shieldCli } from "./cli/shield-commands.ts";
import { shieldMigrations } from "./shield-migrations.ts";

export { shieldMigrations };

/**
 * Shield, governance for growth teams' ad spend, as the platform composes it. So far its
 * lifetime-value models, its audit trail's tables and their commands (`kamiyo shield ltv fit`,
 * `kamiyo shield audit verify|export`); no routes yet.
 */
export const shieldModule = defineModule({
  id: "shield",
  title: "Shield",
  migrations: { dir: shieldMigrations.dir },
  cli: shieldCli,
});
