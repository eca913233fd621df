import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { incidentAlertsHook } from "@kamiyo/alerts";
import { SystemClock, silentLogger } from "@kamiyo/core";
import { DEFAULT_TENANT_ID, listFindings } from "@kamiyo/db";
import {
  addOverride,
  detectFormat,
  feedsOf,
  findingsToRecords,
  IMPORTABLE,
  type ImportResult,
  importRecords,
  type ParseIssue,
  parseAs,
  type SourceId,
  type SourceRecord,
  type SyncProgress,
  syncFeeds,
} from "@kamiyo/intel";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";

/**
 * Alerts about new and materially changed incidents, written in the import's transaction (a
 * running `kamiyo serve` delivers them); incidents older than 30 days are history, not news.
 */
function alertsHook(config: AppConfig, nowMs: number) {
  return config.alerts.enabled
    ? incidentAlertsHook(nowMs, { dailyCap: config.alerts.dailyCap })
    : undefined;
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
  config: AppConfig,
  files: string[],
  opts: { source?: string },
  stdio: CliIo,
): Promise<void> {
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
  const log = appLogger(config, stdio);
  const db = await openStorage(config, log);
  try {
    const now = Date.now();
    printImport(await importRecords(db, records, now, alertsHook(config, now)), stdio);
  } finally {
    await db.close();
  }
}

/**
 * `kamiyo intel sync`: fetches every configured live source at once (conditional requests,
 * timeouts, retries; one failing source never blocks the others), showing progress per source,
 * and merges what was new together with the monitor's own loss findings (source "kamiyo").
 */
export async function intelSyncCommand(config: AppConfig, stdio: CliIo): Promise<void> {
  const log = appLogger(config, stdio);
  const db = await openStorage(config, log);
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
      feedsOf(config.intel),
      { clock: new SystemClock(), random: Math.random, log: log ?? silentLogger },
      {
        timeoutMs: config.intel.timeoutMs,
        attempts: config.intel.attempts,
        onProgress: show,
        local: findingsToRecords(
          await listFindings(db, DEFAULT_TENANT_ID, {
            detector: "hlp",
            kinds: ["pnl-loss", "inherited-position"],
            limit: 10_000,
          }),
        ),
        afterImport: alertsHook(config, started),
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
  config: AppConfig,
  kind: "merge" | "split",
  a: string,
  b: string,
  opts: { comment: string },
  stdio: CliIo,
): Promise<void> {
  const ka = reportKeyArg(a, "first report");
  const kb = reportKeyArg(b, "second report");
  if (ka === kb) throw new CliError("the two reports are the same");
  const log = appLogger(config, stdio);
  const db = await openStorage(config, log);
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
