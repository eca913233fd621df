import { listLtvModels } from "../ltv/model-store.ts";
import { type AuditCliContext, withTenant } from "./audit-commands.ts";

const f = (n: number) => n.toFixed(4);

/**
 * `kamiyo shield ltv models --tenant ID [--json]`: the tenant's saved LTV model versions, newest
 * first, the active one marked.
 * @throws CliError for an unknown tenant.
 */
export async function ltvModelsCommand(
  ctx: AuditCliContext,
  opts: { tenant: string; json?: boolean },
): Promise<void> {
  const models = await withTenant(ctx, opts.tenant, (db) => listLtvModels(db, opts.tenant));
  if (opts.json) {
    ctx.io.out(`${JSON.stringify(models)}\n`);
    return;
  }
  if (models.length === 0) {
    ctx.io.out(`tenant ${opts.tenant}: no LTV models saved\n`);
    return;
  }
  const lines = models.map((m) => {
    const { r, alpha, a, b } = m.bgnbd;
    const gg = m.gammaGamma;
    return [
      `${m.active ? "*" : " "} v${m.version}`,
      new Date(m.createdAt).toISOString(),
      `${m.customers} customers in ${m.timeUnit}s`,
      `r ${f(r)} alpha ${f(alpha)} a ${f(a)} b ${f(b)} ll ${m.logLikelihood.toFixed(2)}`,
      gg ? `p ${f(gg.p)} q ${f(gg.q)} v ${f(gg.v)}` : "no spend model",
    ].join("  ");
  });
  ctx.io.out(`${lines.join("\n")}\n`);
}
