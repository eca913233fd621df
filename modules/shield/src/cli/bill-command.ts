import { CliError, CliExit, type ModuleCliContext } from "@kamiyo/platform";
import { clientIdSchema } from "../billing/audit-kinds.ts";
import { type BillPeriodDeps, billPeriod, type PeriodBilling } from "../billing/bill-period.ts";
import { type OutcomePeriod, parseOutcomePeriod } from "../billing/billing-period.ts";
import { billingProvidersFrom } from "../billing/billing-providers.ts";
import type { ShieldSettings } from "../settings.ts";
import { withTenant } from "./audit-commands.ts";

/** What `kamiyo shield bill` uses of the app: its io, its database and Shield's settings. */
export type BillCliContext = Pick<ModuleCliContext<ShieldSettings>, "io" | "openDb" | "settings">;

const money = (cents: number | string) => {
  const c = BigInt(cents);
  const abs = c < 0n ? -c : c;
  return `${c < 0n ? "-" : ""}$${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
};
const ratio = (bps: number | null) => (bps === null ? "-" : (bps / 10_000).toFixed(2));

/** One line per client: its figures and how far its run got. */
function describe(b: PeriodBilling["bills"][number]): string {
  const i = b.invoice;
  const spend = money((BigInt(i.spendMicros) / 10_000n).toString());
  const ltv = money((BigInt(i.ltvMicros) / 10_000n).toString());
  const run =
    b.step === null
      ? "dry run"
      : `${b.step}${b.paymentId ? ` payment ${b.paymentId}` : ""}${b.crmId ? ` crm ${b.crmId}` : ""}${b.stopped ? `; stopped: ${b.stopped}` : ""}`;
  return `${i.clientId} ${i.period.label}: spend ${spend} LTV ${ltv} ROAS ${ratio(i.roasBps)} (baseline ${ratio(i.baselineRoasBps)}) additional ${money(i.additionalRevenueCents)} × ${i.shareBps / 100} % = ${money(i.earningsCents)}${i.corrections.map((c) => ` + correction ${c.period.label} ${money(c.amountCents)}`).join("")}${i.corrections.length > 0 ? ` = due ${money(i.amountDueCents)}` : ""}  ${i.id} ${run}\n`;
}

/**
 * `kamiyo shield bill --tenant ID --period 2026-11 [--client ID] [--dry-run] [--json]`: bills the
 * tenant's clients for the period (`billPeriod`: invoice, payment, CRM; resumes runs a crash left),
 * with the providers Shield's settings configure. Prints a line per client (with `--json`, the
 * `PeriodBilling` object); exit 1 when a client's run stopped before it was synced.
 * @throws CliError (exit 2) for an unknown tenant, a bad period or client id, a broken audit trail.
 */
export async function billCommand(
  ctx: BillCliContext,
  opts: { tenant: string; period: string; client?: string; dryRun?: boolean; json?: boolean },
): Promise<void> {
  let period: OutcomePeriod;
  try {
    period = parseOutcomePeriod(opts.period);
  } catch (e) {
    throw new CliError(`--${(e as Error).message}`);
  }
  const client = opts.client === undefined ? undefined : clientIdSchema.safeParse(opts.client);
  if (client && !client.success)
    throw new CliError(`--client: ${client.error.issues[0]?.message} (got "${opts.client}")`);
  const settings = ctx.settings();
  const result = await withTenant(ctx, opts.tenant, async (db) => {
    const deps: BillPeriodDeps = { db, now: Date.now, ...(await billingProvidersFrom(settings)) };
    try {
      return await billPeriod(deps, opts.tenant, period, {
        ...(client?.success ? { clientId: client.data } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
      });
    } catch (e) {
      throw new CliError(`tenant ${opts.tenant}: ${(e as Error).message}`);
    }
  });
  if (opts.json) ctx.io.out(`${JSON.stringify(result)}\n`);
  else {
    for (const b of result.bills) ctx.io.out(describe(b));
    if (result.bills.length === 0)
      ctx.io.out(`tenant ${opts.tenant}: nothing to bill for ${period.label}\n`);
    for (const c of result.withoutTerms)
      ctx.io.err(
        `kamiyo: client ${c} has spend or outcomes in ${period.label} but no billing terms\n`,
      );
    for (const r of result.refused)
      ctx.io.err(`kamiyo: client ${r.clientId} not invoiced for ${period.label}: ${r.reason}\n`);
  }
  if (result.refused.length > 0) throw new CliExit(1);
  if (!opts.dryRun && result.bills.some((b) => b.step !== "synced")) throw new CliExit(1);
}
