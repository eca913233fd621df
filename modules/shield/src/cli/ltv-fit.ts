import { readFileSync } from "node:fs";
import { CliError, type CliIo } from "@kamiyo/platform";
import { fitBgNbd } from "../ltv/bgnbd.ts";
import { fitGammaGamma } from "../ltv/gamma-gamma.ts";
import type { RfmSummary } from "../ltv/rfm.ts";
import { parseSummaryCsv } from "../ltv/summary-csv.ts";
import { summaryFromTransactions, TIME_UNITS, type TimeUnit } from "../ltv/transactions.ts";
import { parseDate, parseTransactionsCsv } from "../ltv/transactions-csv.ts";

/** What `kamiyo shield ltv fit` prints with `--json`; `gammaGamma` is null without amounts. */
export interface LtvFitJson {
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
  gammaGamma: { p: number; q: number; v: number } | null;
}

export interface LtvFitOptions {
  summary?: string;
  transactions?: string;
  unit?: string;
  end?: string;
  json?: boolean;
}

/** The summary the options name: a summary CSV, or one made from a transactions CSV. */
function loadSummary(opts: LtvFitOptions): { file: string; summary: RfmSummary } {
  if (Boolean(opts.summary) === Boolean(opts.transactions))
    throw new CliError("give one of --summary FILE or --transactions FILE");
  const unit = opts.unit ?? "day";
  if (!(unit in TIME_UNITS))
    throw new CliError(`--unit: expected one of ${Object.keys(TIME_UNITS).join(", ")}`);
  if (opts.summary && (opts.unit || opts.end))
    throw new CliError("--unit and --end go with --transactions (a summary is in its own unit)");
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
    return { file, summary };
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}

/**
 * `kamiyo shield ltv fit (--summary FILE | --transactions FILE [--unit day|week] [--end DATE])
 * [--json]`: fits BG/NBD on every customer and, when the data has amounts, Gamma-Gamma on the
 * repeat buyers, and prints their parameters.
 * @throws CliError for bad options, an unreadable or invalid file (its line named), or a fit that
 * does not converge.
 */
export function ltvFitCommand(io: CliIo, opts: LtvFitOptions): void {
  const { file, summary } = loadSummary(opts);
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
  io.out(opts.json ? `${JSON.stringify(json)}\n` : text(json, counts));
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
  return `${lines.join("\n")}\n`;
}
