import {
  createSilence,
  expireSilence,
  listSilences,
  type Silence,
  type SilenceMatchers,
  silenceEndProblem,
} from "@kamiyo/alerts";
import { SEVERITIES, type Severity } from "@kamiyo/core";
import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import { InvalidArgumentError } from "commander";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { tenantFor } from "./tenant.ts";

// The same limits as the API's POST /silences (services/silences.ts, routes/webhook-routes.ts).
const MAX_COMMENT = 500;

/** Flags of `kamiyo silence add`, as parsed by the argument parsers below. */
export interface SilenceAddOptions {
  detector?: string;
  kind?: string;
  subject?: string;
  severity?: Severity[];
  /** --for, ms. */
  for?: number;
  /** --until, epoch ms. */
  until?: number;
  comment: string;
  /** The tenant whose alerts are silenced (default ten_default). */
  tenant?: string;
}

/** `--for`: "90s", "30m", "2h", "1d" (a unit is required). */
export function parseSilenceDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as "30m", "2h" or "1d"');
  const ms = Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s"];
  if (ms <= 0) throw new InvalidArgumentError("the duration must be positive");
  return ms;
}

/** `--until`: an ISO 8601 time. */
export function parseIsoTime(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new InvalidArgumentError("expected an ISO 8601 time such as 2030-01-31T18:00:00Z");
  return ms;
}

export function parseDetector(text: string): string {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(text))
    throw new InvalidArgumentError("expected a detector name such as oracle");
  return text;
}

export function parseKind(text: string): string {
  if (!/^[a-z][a-z0-9-]{0,59}$/.test(text))
    throw new InvalidArgumentError("expected a finding kind such as deviation");
  return text;
}

/** A coin, vault or account address (addresses in lower case, as findings store them). */
export function parseSubject(text: string): string {
  const s = text.trim();
  if (s.length === 0 || s.length > 100)
    throw new InvalidArgumentError("expected a coin, vault or account address (1–100 characters)");
  return /^0x[0-9a-fA-F]{40}$/.test(s) ? s.toLowerCase() : s;
}

/** A comma-separated list of severities. */
export function parseSeverities(text: string): Severity[] {
  const list = text.split(",").map((s) => s.trim().toLowerCase());
  const bad = list.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad.length > 0 || list.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list of ${SEVERITIES.join(", ")}`);
  return [...new Set(list as Severity[])];
}

export function parseComment(text: string): string {
  const c = text.trim();
  if (c.length === 0 || c.length > MAX_COMMENT)
    throw new InvalidArgumentError(`expected a reason of 1–${MAX_COMMENT} characters`);
  return c;
}

/** When a silence starting at `nowMs` ends. @throws CliError when the flags do not give a valid end. */
function silenceEnd(o: SilenceAddOptions, nowMs: number): number {
  if ((o.for === undefined) === (o.until === undefined))
    throw new CliError("give either --for <duration> or --until <ISO time>");
  const flag = o.for !== undefined ? "--for" : "--until";
  const endsAt = o.for !== undefined ? nowMs + o.for : (o.until as number);
  const problem = silenceEndProblem(endsAt, nowMs);
  if (problem) throw new CliError(`${flag}: the silence's end ${problem}`);
  return endsAt;
}

function matchersOf(o: SilenceAddOptions): SilenceMatchers {
  const m: SilenceMatchers = {};
  if (o.detector !== undefined) m.detector = o.detector;
  if (o.kind !== undefined) m.kind = o.kind;
  if (o.subject !== undefined) m.subject = o.subject;
  if (o.severity !== undefined) m.severity = o.severity;
  if (Object.keys(m).length === 0)
    throw new CliError(
      "give at least one matcher: --detector, --kind, --subject or --severity (every one given must match)",
    );
  return m;
}

/** `kamiyo silence add`: mutes matching findings from now until the end given. */
export async function silenceAddCommand(
  config: AppConfig,
  o: SilenceAddOptions,
  stdio: CliIo,
): Promise<void> {
  const matchers = matchersOf(o);
  silenceEnd(o, Date.now()); // refuse bad input before opening the database
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const now = Date.now();
    const s = await createSilence(
      db,
      {
        tenantId: await tenantFor(db, o.tenant),
        matchers,
        comment: o.comment,
        createdBy: "cli",
        startsAt: now,
        endsAt: silenceEnd(o, now),
      },
      now,
    );
    stdio.out(`${s.id}  ends ${iso(s.endsAt)}  (${formatMatchers(s.matchers)})\n`);
  } finally {
    await db.close();
  }
}

/** `kamiyo silence list`: the silences in force now (`all`: every one), newest first. */
export async function silenceListCommand(
  config: AppConfig,
  o: { all: boolean; tenant?: string },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const now = Date.now();
    const rows = await listSilences(
      db,
      await tenantFor(db, o.tenant),
      o.all ? {} : { activeAt: now },
    );
    if (rows.length === 0) {
      stdio.out(o.all ? "no silences\n" : "no active silences (--all lists ended ones too)\n");
      return;
    }
    stdio.out(
      formatTable(
        ["ID", "MATCHERS", "ENDS", "COMMENT", "CREATED BY"],
        rows.map((s) => [
          s.id,
          formatMatchers(s.matchers),
          `${iso(s.endsAt)}${s.endsAt <= now ? " (ended)" : s.startsAt > now ? " (not started)" : ""}`,
          oneLine(s.comment, 60),
          s.createdBy,
        ]),
      ),
    );
  } finally {
    await db.close();
  }
}

/** `kamiyo silence expire ID`: ends a silence now. */
export async function silenceExpireCommand(
  config: AppConfig,
  id: string,
  o: { tenant?: string },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  const now = Date.now();
  let s: Silence | null;
  try {
    s = await expireSilence(db, await tenantFor(db, o.tenant), id, now);
  } finally {
    await db.close();
  }
  if (!s) throw new CliError(`no silence with id ${id}`);
  stdio.out(
    s.endsAt < now
      ? `${s.id}  had already ended at ${iso(s.endsAt)}\n`
      : `${s.id}  ended ${iso(s.endsAt)}\n`,
  );
}

export function formatMatchers(m: SilenceMatchers): string {
  const parts: string[] = [];
  if (m.detector !== undefined) parts.push(`detector=${m.detector}`);
  if (m.kind !== undefined) parts.push(`kind=${m.kind}`);
  if (m.subject !== undefined) parts.push(`subject=${m.subject}`);
  if (m.severity !== undefined) parts.push(`severity=${m.severity.join(",")}`);
  return parts.join(" ");
}

/** ISO 8601 to the second. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `text` on one line, cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** Columns padded to their widest cell (the last one is not padded). */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}
