import { defineModule } from "@kamiyo/platform";
import { shieldApi } from "./api/index.ts";
import { shieldCli } from "./cli/shield-commands.ts";
import { SHIELD_SECRETS, shieldSettings } from "./settings.ts";
import { shieldMigrations } from "./shield-migrations.ts";

export { shieldMigrations };

/**
 * Shield, governance for growth teams' ad spend, as the platform composes it. So far its
 * lifetime-value models, its tables (the audit trail, each tenant's LTV model versions, outcome
 * billing's terms, outcomes, invoices and runs), its outcome billing routes (`/shield/outcomes`,
 * `/shield/billing-terms`, `/shield/invoices`) and commands (`kamiyo shield ltv fit|models`,
 * `kamiyo shield audit verify|export|checkpoint`, `kamiyo shield bill`); the SyncValue gRPC
 * server (`startSyncValueServer`) is not started by `serve`. The payment and CRM credentials in
 * its settings are secrets.
 */
export const shieldModule = defineModule({
  id: "shield",
  title: "Shield",
  migrations: { dir: shieldMigrations.dir },
  api: shieldApi,
  settings: { prefix: "SHIELD", schema: shieldSettings, secrets: SHIELD_SECRETS },
  cli: shieldCli,
});
