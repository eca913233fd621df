import { readFileSync } from "node:fs";
import { CliError } from "@kamiyo/platform";
import { fitBgNbd } from "../ltv/bgnbd.ts";
import { fitGammaGamma } from "../ltv/gamma-gamma.ts";
import { type LtvModelFit, saveLtvModel } from "../ltv/model-store.ts";
import type { RfmSummary } from "../ltv/rfm.ts";
import { parseSummaryCsv } from "../ltv/summary-csv.ts";
import {
  summaryFromTransactions,
  TIME_UNITS,
  type TimeUnit,
  UNITS_PER_MONTH,
} from "../ltv/transactions.ts";
import { parseDate, parseTransactionsCsv } from "../ltv/transactions-csv.ts";
import { type AuditCliContext, withTenant } from "./audit-commands.ts";

/** What `kamiyo shield ltv fit` prints with `--json`; `gammaGamma` is null without amounts. */
export interface LtvFitJson {
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  gammaGamma: { p: number; q: number; v: number } | null;
  /** With `--save`: the version saved for the tenant. */
  saved?: { tenant: string; version: number; active: boolean };
}

export interface LtvFitOptions {
  summary?: string;
  transactions?: string;
  unit?: string;
  end?: string;
  json?: boolean;
  tenant?: string;
  save?: boolean;
  activate?: boolean;
}

/** The summary the options name: a summary CSV, or one made from a transactions CSV. */
function loadSummary(opts: LtvFitOptions): {
  file: string;
  summary: RfmSummary;
  unit: TimeUnit;
} {
  if (Boolean(opts.summary) === Boolean(opts.transactions))
    throw new CliError("give one of --summary FILE or --transactions FILE");
  const unit = opts.unit ?? "day";
  if (!(unit in TIME_UNITS))
    throw new CliError(`--unit: expected one of ${Object.keys(TIME_UNITS).join(", ")}`);
  if (opts.summary && (opts.end || (opts.unit && !opts.save)))
    throw new CliError(
      "--unit and --end go with --transactions (a summary is in its own unit; with --save, --unit names it)",
    );
  const end = opts.end === undefined ? undefined : parseDate(opts.end);
  if (opts.end !== undefined && end === undefined)
    throw new CliError(`--end: expected a date like 2024-03-01, got "${opts.end}"`);
  const file = (opts.summary ?? opts.transactions) as string;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    const summary = opts.summary
      ? parseSummaryCsv(text)
      : summaryFromTransactions(parseTransactionsCsv(text), {
          unit: unit as TimeUnit,
          ...(end === undefined ? {} : { observationEnd: end }),
        });
    return { file, summary, unit: unit as TimeUnit };
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * `kamiyo shield ltv fit (--summary FILE | --transactions FILE [--unit day|week] [--end DATE])
 * [--json] [--tenant ID --save [--activate]]`: fits BG/NBD on every customer and, when the data
 * has amounts, Gamma-Gamma on the repeat buyers, and prints their parameters; with `--save`,
 * stores them as the tenant's next model version (the one SyncValue serves with `--activate`).
 * @throws CliError for bad options, an unreadable or invalid file (its line named), a fit that
 * does not converge, or an unknown tenant.
 */
export async function ltvFitCommand(ctx: AuditCliContext, opts: LtvFitOptions): Promise<void> {
  if (opts.save && !opts.tenant) throw new CliError("--save needs --tenant ID");
  if ((opts.tenant || opts.activate) && !opts.save)
    throw new CliError("--tenant and --activate go with --save");
  const { file, summary, unit } = loadSummary(opts);
  let json: LtvFitJson;
  let counts: { customers: number; repeatBuyers: number };
  try {
    const bg = fitBgNbd(summary);
    const gg = summary.monetaryValue
      ? fitGammaGamma({ frequency: summary.frequency, monetaryValue: summary.monetaryValue })
      : null;
    json = {
      bgnbd: { ...bg.params, logLikelihood: bg.logLikelihood },
      gammaGamma: gg && { ...gg.params },
    };
    counts = { customers: bg.customers, repeatBuyers: gg?.customers ?? 0 };
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  if (opts.save && opts.tenant) {
    const { logLikelihood, ...bgnbd } = json.bgnbd;
    const fit: LtvModelFit = {
      bgnbd,
      gammaGamma: json.gammaGamma,
      logLikelihood,
      customers: counts.customers,
      timeUnit: unit,
      unitsPerMonth: UNITS_PER_MONTH[unit],
    };
    const tenant = opts.tenant;
    const saved = await withTenant(ctx, tenant, (db) =>
      saveLtvModel(db, tenant, fit, { activate: opts.activate ?? false }),
    );
    json.saved = { tenant, version: saved.version, active: saved.active };
  }
  ctx.io.out(opts.json ? `${JSON.stringify(json)}\n` : text(json, counts));
}

const f = (n: number) => n.toFixed(4);

function text(j: LtvFitJson, counts: { customers: number; repeatBuyers: number }): string {
  const { r, alpha, a, b, logLikelihood } = j.bgnbd;
  const lines = [
    `BG/NBD (${counts.customers} customers): r ${f(r)}  alpha ${f(alpha)}  a ${f(a)}  b ${f(b)}  log-likelihood ${logLikelihood.toFixed(2)}`,
    j.gammaGamma
      ? `Gamma-Gamma (${counts.repeatBuyers} repeat buyers): p ${f(j.gammaGamma.p)}  q ${f(j.gammaGamma.q)}  v ${f(j.gammaGamma.v)}`
      : "Gamma-Gamma: not fitted (the data has no monetary values)",
  ];
  if (j.saved)
    lines.push(
      `saved as version ${j.saved.version} of tenant ${j.saved.tenant}${j.saved.active ? " (active)" : ""}`,
    );
  return `${lines.join("\n")}\n`;
}
