import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { SystemClock, silentLogger } from "@kamiyo/core";
import {
  detectFormat,
  feedsOf,
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
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { CliError } from "./cli-error.ts";

/** Issues printed per file before "… and N more". */
const SHOWN_ISSUES = 20;

function printIssues(issues: readonly ParseIssue[], file: string): void {
  for (const i of issues.slice(0, SHOWN_ISSUES))
    process.stderr.write(`kamiyo: ${file}: ${i.source} ${i.at}: ${i.message} (skipped)\n`);
  if (issues.length > SHOWN_ISSUES)
    process.stderr.write(`kamiyo: ${file}: … and ${issues.length - SHOWN_ISSUES} more issues\n`);
}

function printImport(r: ImportResult): void {
  process.stdout.write(
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
    printIssues(parsed.issues, file);
    process.stdout.write(
      `${file}: ${source}, ${parsed.records.length} records, ${parsed.issues.length} refused\n`,
    );
    records.push(...parsed.records);
  }
  const log = appLogger(config);
  const db = await openStorage(config, log);
  try {
    printImport(await importRecords(db, records, Date.now()));
  } finally {
    await db.close();
  }
}

/**
 * `kamiyo intel sync`: fetches every configured live source at once (conditional requests,
 * timeouts, retries; one failing source never blocks the others), showing progress per source,
 * and merges what was new.
 */
export async function intelSyncCommand(config: AppConfig): Promise<void> {
  const log = appLogger(config);
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
    process.stderr.write(`[${t}] ${p.source.padEnd(22)} ${line}\n`);
  };
  try {
    const result = await syncFeeds(
      db,
      feedsOf(config.intel),
      { clock: new SystemClock(), random: Math.random, log: log ?? silentLogger },
      { timeoutMs: config.intel.timeoutMs, attempts: config.intel.attempts, onProgress: show },
    );
    printIssues(result.issues, "sync");
    if (result.import) printImport(result.import);
    else process.stdout.write("nothing new\n");
    const failed = result.sources.filter((s) => s.status === "failed");
    if (failed.length === result.sources.length && failed.length > 0)
      throw new CliError("every source failed; the stored incidents are unchanged");
  } finally {
    await db.close();
  }
}
