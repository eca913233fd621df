import type { Command } from "commander";
import { auditCli } from "./audit-commands.ts";
import { type BillCliContext, billCommand } from "./bill-command.ts";
import { type ResealCliContext, resealCommand } from "./credentials-reseal.ts";
import { ltvFitCommand } from "./ltv-fit.ts";
import { ltvModelsCommand } from "./ltv-models.ts";

/**
 * Adds `kamiyo shield …`: `ltv fit|models`, `audit verify|export|checkpoint`, `bill` and
 * `credentials reseal`.
 */
export function shieldCli(program: Command, ctx: BillCliContext & ResealCliContext): void {
  const shield = program.command("shield").description("Shield: customer value and governed bids");
  const ltv = shield.command("ltv").description("customer lifetime value (BG/NBD and Gamma-Gamma)");
  ltv
    .command("fit")
    .description("fit the purchase (BG/NBD) and spend (Gamma-Gamma) models and print them")
    .option(
      "--summary <file>",
      "a summary CSV: ID,frequency,recency,T[,monetary_value] (or ID,x,t_x,T,zbar)",
    )
    .option("--transactions <file>", "a transactions CSV instead: customer_id,date[,amount]")
    .option(
      "--unit <unit>",
      "with --transactions: recency and T in day (default) or week; with --summary --save: its unit",
    )
    .option("--end <date>", "with --transactions: the end of observation (default: the last date)")
    .option("--json", 'one JSON object: {"bgnbd": {r, alpha, a, b, logLikelihood}, "gammaGamma"}')
    .option("--tenant <id>", "with --save: the tenant whose model this is")
    .option("--save", "store the fit as the tenant's next model version")
    .option("--activate", "with --save: make it the version SyncValue serves")
    .action((o) => ltvFitCommand(ctx, o));
  ltv
    .command("models")
    .description("list a tenant's saved LTV model versions (* marks the active one)")
    .requiredOption("--tenant <id>", "the tenant")
    .option("--json", "as a JSON array")
    .action((o) => ltvModelsCommand(ctx, o));
  auditCli(shield, ctx);
  shield
    .command("bill")
    .description(
      "bill the tenant's clients for a period: invoice from the audit trail, payment, CRM (resumes a crashed run)",
    )
    .requiredOption("--tenant <id>", "the tenant")
    .requiredOption(
      "--period <period>",
      "a month (2026-11) or UTC days FROM/TO (2026-11-01/2026-11-16, TO excluded)",
    )
    .option("--client <id>", "only this client")
    .option("--dry-run", "compute the invoices; store and send nothing")
    .option("--json", "one JSON object: {tenantId, period, bills, withoutTerms, refused}")
    .action((o) => billCommand(ctx, o));
  shield
    .command("credentials")
    .description("tenants' ad-platform credentials, sealed by the key ring")
    .command("reseal")
    .description(
      "seal every credential sealed with an older key again with KAMIYO_SECRET_KEYS' first (after a rotation)",
    )
    .option("--json", "one JSON object: {key, resealed, current, failed}")
    .action((o) => resealCommand(ctx, o));
}
