import { defineModule } from "@kamiyo/platform";
import { shieldApi } from "./api/index.ts";
import { shieldCli } from "./cli/shield-commands.ts";
import { SHIELD_SECRETS, shieldSettings } from "./settings.ts";
import { shieldMigrations } from "./shield-migrations.ts";

export { shieldMigrations };

/**
 * Shield, governance for growth teams' ad spend, as the platform composes it. So far its
 * lifetime-value models, the policy check every bid passes, its tables (the audit trail, each
 * tenant's LTV model versions, policies, clients, campaigns and their spend, outcome billing's
 * terms, outcomes, invoices and runs), its API (`/shield/ltv/…`, `/shield/audit/…`,
 * `/shield/policy`, `/shield/clients`, `/shield/campaigns`, `/shield/checks`, `/shield/decisions`,
 * `/shield/outcomes`, `/shield/billing-terms`, `/shield/invoices`, and SyncValue and SyncShield
 * over gRPC beside it on SHIELD_GRPC_PORT) and its commands (`kamiyo shield ltv fit|models`,
 * `kamiyo shield audit verify|export|checkpoint`, `kamiyo shield bill`); and the settings of
 * SyncFlow's platforms and of the payment and CRM providers (their credentials masked as secrets).
 */
export const shieldModule = defineModule({
  id: "shield",
  title: "Shield",
  migrations: { dir: shieldMigrations.dir },
  api: shieldApi,
  settings: { prefix: "SHIELD", schema: shieldSettings, secrets: SHIELD_SECRETS },
  cli: shieldCli,
});
