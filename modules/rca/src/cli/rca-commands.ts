import { existsSync } from "node:fs";
import { CliError, type CliIo } from "@kamiyo/platform";
import type { Command } from "commander";
import { type Accuracy, evaluateDay, loadNezhaDay, resolveNezhaDay } from "../nezha/index.ts";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

/** The accuracy as a table: all cases, then each fault type. */
function table(day: string, a: Accuracy): string {
  const lines = [
    `${day}: ${a.cases} injected faults, service-level accuracy`,
    `${"cases".padEnd(18)}${"n".padStart(4)}${"AC@1".padStart(7)}${"AC@3".padStart(7)}${"AC@5".padStart(7)}${"Avg@5".padStart(7)}`,
    `${"all".padEnd(18)}${String(a.cases).padStart(4)}${pct(a.ac1)}${pct(a.ac3)}${pct(a.ac5)}${pct(a.avg5)}`,
    ...Object.entries(a.byFaultType).map(
      ([type, t]) =>
        `${`  ${type}`.padEnd(18)}${String(t.cases).padStart(4)}${pct(t.ac1)}${pct(t.ac3)}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `kamiyo rca evaluate --nezha DIR`: the RCA query's accuracy on one labelled Nezha
 * fault-injection day. DIR holds `rca_data/<day>/` and `construct_data/<day>/` (name the day with
 * --day when it holds several), or is the day's `rca_data/<day>` folder itself. The day's metrics
 * go through the ingest path as remote-write series, its call graph as CALLS edges; one query per
 * injected fault (the window after it, at the entry service).
 */
export function rcaEvaluateCommand(
  io: CliIo,
  opts: { nezha: string; day?: string; json?: boolean },
): void {
  if (!existsSync(opts.nezha)) throw new CliError(`--nezha: no such folder: ${opts.nezha}`);
  let accuracy: Accuracy;
  let day: string;
  try {
    const dirs = resolveNezhaDay(opts.nezha, opts.day ? { day: opts.day } : {});
    day = dirs.day;
    accuracy = evaluateDay(loadNezhaDay(dirs));
  } catch (err) {
    throw new CliError(`--nezha ${opts.nezha}: ${(err as Error).message}`);
  }
  io.out(opts.json ? `${JSON.stringify(accuracy)}\n` : table(day, accuracy));
}

/** `kamiyo rca …`: Kubernetes root-cause analysis's commands. */
export function rcaCli(program: Command, io: CliIo): void {
  const rca = program.command("rca").description("Kubernetes root-cause analysis");
  rca
    .command("evaluate")
    .description("the RCA query's accuracy on a labelled Nezha fault-injection day")
    .requiredOption(
      "--nezha <dir>",
      "a Nezha day: rca_data/<day> and construct_data/<day> under it",
    )
    .option("--day <date>", "which day, when DIR holds several (YYYY-MM-DD)")
    .option("--json", 'one JSON object: {"cases", "ac1", "ac3", "ac5", "avg5", "byFaultType"}')
    .action((o: { nezha: string; day?: string; json?: boolean }) => rcaEvaluateCommand(io, o));
}
