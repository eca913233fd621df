import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { incidentAlertsHook } from "@kamiyo/alerts";
import { SystemClock } from "@kamiyo/core";
import { DEFAULT_TENANT_ID, listFindings } from "@kamiyo/db";
import { CliError, type CliIo, type ModuleCliContext } from "@kamiyo/platform";
import type { Command } from "commander";
import { detectFormat, IMPORTABLE, parseAs } from "../sources/detect.ts";
import { findingsToRecords } from "../sources/kamiyo.ts";
import { addOverride, type ImportResult, importRecords } from "../store/incidents.ts";
import { feedsOf, type IntelConfig } from "../sync/feeds.ts";
import { type SyncProgress, syncFeeds } from "../sync/sync.ts";
import type { ParseIssue, SourceId, SourceRecord } from "../types.ts";

type Ctx = ModuleCliContext<IntelConfig>;

/**
 * Alerts about new and materially changed incidents, written in the import's transaction (a
 * running `kamiyo serve` delivers them); incidents older than 30 days are history, not news.
 */
function alertsHook(ctx: Ctx, nowMs: number) {
  const alerts = ctx.alerts();
  return alerts.enabled ? incidentAlertsHook(nowMs, { dailyCap: alerts.dailyCap }) : undefined;
}

/** Issues printed per file before "… and N more". */
const SHOWN_ISSUES = 20;

function printIssues(issues: readonly ParseIssue[], file: string, stdio: CliIo): void {
  for (const i of issues.slice(0, SHOWN_ISSUES))
    stdio.err(`kamiyo: ${file}: ${i.source} ${i.at}: ${i.message} (skipped)\n`);
  if (issues.length > SHOWN_ISSUES)
    stdio.err(`kamiyo: ${file}: … and ${issues.length - SHOWN_ISSUES} more issues\n`);
}

function printImport(r: ImportResult, stdio: CliIo): void {
  stdio.out(
    `stored ${r.reports} reports as ${r.incidents} incidents: ${r.created.length} new, ${r.changed.length} materially changed\n`,
  );
}

/**
 * `kamiyo intel import FILE…`: reads exploit data files (the format detected from the content,
 * or --source), reports each refused record with its position, then merges everything into the
 * incident database in one import.
 */
export async function intelImportCommand(
  ctx: Ctx,
  files: string[],
  opts: { source?: string },
): Promise<void> {
  const stdio = ctx.io;
  if (opts.source !== undefined && !IMPORTABLE.includes(opts.source as SourceId))
    throw new CliError(`--source: expected one of ${IMPORTABLE.join(", ")}, got "${opts.source}"`);
  const records: SourceRecord[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new CliError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    const source = (opts.source as SourceId | undefined) ?? detectFormat(text);
    if (!source)
      throw new CliError(
        `${file}: not a format kamiyo knows; name it with --source (${IMPORTABLE.join(", ")})`,
      );
    const parsed = parseAs(source, text, basename(file));
    printIssues(parsed.issues, file, stdio);
    stdio.out(
      `${file}: ${source}, ${parsed.records.length} records, ${parsed.issues.length} refused\n`,
    );
    records.push(...parsed.records);
  }
  const db = await ctx.openDb();
  try {
    const now = Date.now();
    printImport(await importRecords(db, records, now, alertsHook(ctx, now)), stdio);
  } finally {
    await db.close();
  }
}

/**
 * `kamiyo intel sync`: fetches every configured live source at once (conditional requests,
 * timeouts, retries; one failing source never blocks the others), showing progress per source,
 * and merges what was new together with the monitor's own loss findings (source "kamiyo").
 */
export async function intelSyncCommand(ctx: Ctx): Promise<void> {
  const stdio = ctx.io;
  const config = ctx.settings();
  const log = ctx.logger();
  const db = await ctx.openDb();
  const started = Date.now();
  const show = (p: SyncProgress) => {
    const t = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    const line =
      p.stage === "fetching"
        ? `fetching ${p.url}`
        : p.stage === "unchanged"
          ? "not modified since the last sync"
          : p.stage === "parsed"
            ? `${p.records} records, ${p.issues} refused`
            : `failed: ${p.error}`;
    stdio.err(`[${t}] ${p.source.padEnd(22)} ${line}\n`);
  };
  try {
    const result = await syncFeeds(
      db,
      feedsOf(config),
      { clock: new SystemClock(), random: Math.random, log },
      {
        timeoutMs: config.timeoutMs,
        attempts: config.attempts,
        onProgress: show,
        local: findingsToRecords(
          await listFindings(db, DEFAULT_TENANT_ID, {
            detector: "hlp",
            kinds: ["pnl-loss", "inherited-position"],
            limit: 10_000,
          }),
        ),
        afterImport: alertsHook(ctx, started),
      },
    );
    printIssues(result.issues, "sync", stdio);
    if (result.import) printImport(result.import, stdio);
    else stdio.out("nothing new\n");
    const failed = result.sources.filter((s) => s.status === "failed");
    if (failed.length === result.sources.length && failed.length > 0)
      throw new CliError("every source failed; the stored incidents are unchanged");
  } finally {
    await db.close();
  }
}

/** A report key as an operator writes it: `source:sourceKey`, e.g. `defillama:2022-08-01-Nomad`. */
function reportKeyArg(text: string, what: string): string {
  const i = text.indexOf(":");
  const source = text.slice(0, i);
  if (i <= 0 || i === text.length - 1 || ![...IMPORTABLE, "kamiyo"].includes(source as SourceId))
    throw new CliError(
      `${what}: expected source:key such as defillama:2022-08-01-Nomad (sources: ${[...IMPORTABLE, "kamiyo"].join(", ")}), got "${text}"`,
    );
  return text;
}

/**
 * `kamiyo intel merge|split A B`: an operator's decision that two reports are (or are not) one
 * incident, kept in the database and applied now and on every later sync.
 */
export async function intelOverrideCommand(
  ctx: Ctx,
  kind: "merge" | "split",
  a: string,
  b: string,
  opts: { comment: string },
): Promise<void> {
  const stdio = ctx.io;
  const ka = reportKeyArg(a, "first report");
  const kb = reportKeyArg(b, "second report");
  if (ka === kb) throw new CliError("the two reports are the same");
  const db = await ctx.openDb();
  try {
    const known = await db.query<{ k: string }>(
      "SELECT source || ':' || source_key AS k FROM intel_reports WHERE source || ':' || source_key = ANY($1::text[])",
      [[ka, kb]],
    );
    for (const k of [ka, kb])
      if (!known.some((r) => r.k === k))
        throw new CliError(`no stored report ${k} (import or sync it first)`);
    const now = Date.now();
    await addOverride(db, { kind, a: ka, b: kb, comment: opts.comment, createdBy: "cli" }, now);
    const result = await importRecords(db, [], now);
    const [incidentA, incidentB] = await Promise.all(
      [ka, kb].map(async (k) => {
        const [row] = await db.query<{ incident_id: string | null }>(
          "SELECT incident_id FROM intel_reports WHERE source || ':' || source_key = $1",
          [k],
        );
        return row?.incident_id ?? "?";
      }),
    );
    stdio.out(
      `${kind === "merge" ? "merged" : "split"}: ${ka} → ${incidentA}, ${kb} → ${incidentB}; ${result.incidents} incidents\n`,
    );
  } finally {
    await db.close();
  }
}

/** `kamiyo intel import|sync|merge|split`: exploit intelligence's commands. */
export function intelCli(program: Command, ctx: Ctx): void {
  const intel = program
    .command("intel")
    .description("exploit intelligence: incidents across chains");
  intel
    .command("import")
    .description("import exploit data files (DeFiLlama, DeFiHackLabs, rekt.news, SlowMist, …)")
    .argument("<files...>", "files to import; the format is detected from the content")
    .option("--source <source>", "read every file as this source's format")
    .action((files: string[], o: { source?: string }) => intelImportCommand(ctx, files, o));
  intel
    .command("sync")
    .description("fetch the live sources (INTEL_SOURCES) and merge what is new")
    .action(() => intelSyncCommand(ctx));
  for (const kind of ["merge", "split"] as const)
    intel
      .command(kind)
      .description(
        kind === "merge"
          ? "make two reports one incident (kept across syncs)"
          : "keep two reports in separate incidents (kept across syncs)",
      )
      .argument("<a>", "a report as source:key, e.g. defillama:2022-08-01-Nomad")
      .argument("<b>", "the other report")
      .requiredOption("--comment <text>", "why (kept with the decision)")
      .action((a: string, b: string, o: { comment: string }) =>
        intelOverrideCommand(ctx, kind, a, b, o),
      );
}
