import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { type Finding, type FindingChange, silentLogger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, listFindings } from "@kamiyo/db";
import { createTestDb, fixturePath } from "@kamiyo/testing";
import type { ReplayLine } from "../format.ts";
import { type ReplayOptions, type ReplaySummary, replay } from "../replay-driver.ts";

/** A finding change with the replay time it happened at. */
export interface Seen {
  ts: number;
  change: FindingChange["change"];
  finding: Finding;
}

export interface ScenarioRun {
  summary: ReplaySummary;
  changes: Seen[];
  /** Findings as stored in the database at the end. */
  stored: Finding[];
  lines: ReplayLine[];
}

/** The lines of a scenario fixture (gzip NDJSON). */
export function scenarioLines(file: string): ReplayLine[] {
  const text = gunzipSync(readFileSync(fixturePath("scenarios", file))).toString("utf8");
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as ReplayLine);
}

/**
 * Replays a scenario fixture at full speed through the whole pipeline (default settings, the
 * default tenant) into `db`, with any derived detectors and change listener of `extra`.
 */
export function replayScenario(
  file: string,
  db: Db,
  extra: Pick<ReplayOptions, "derived" | "onChange"> = {},
): Promise<ReplaySummary> {
  return replay({
    file: fixturePath("scenarios", file),
    speed: "max",
    config: {},
    log: silentLogger,
    db,
    tenantId: DEFAULT_TENANT_ID,
    ...extra,
  });
}

/** Replays a scenario at full speed through the whole pipeline into a fresh test database. */
export async function runScenario(file: string): Promise<ScenarioRun> {
  const db: Db = await createTestDb();
  try {
    const changes: Seen[] = [];
    const summary = await replayScenario(file, db, {
      onChange: (c, ts) => changes.push({ ts, change: c.change, finding: c.finding }),
    });
    const stored = await listFindings(db, DEFAULT_TENANT_ID, { limit: 10_000 });
    return { summary, changes, stored, lines: scenarioLines(file) };
  } finally {
    await db.close();
  }
}

/** Replay time at which a finding matching `match` first reached `severity` (opened or escalated). */
export function firstAt(
  run: ScenarioRun,
  severity: Finding["severity"],
  match: (f: Finding) => boolean,
): number | null {
  const hit = run.changes.find(
    (c) =>
      (c.change === "opened" || c.change === "escalated") &&
      c.finding.severity === severity &&
      match(c.finding),
  );
  return hit ? hit.ts : null;
}

/** The `res` of hl.info lines of a request type (and user), with their ts. */
export function infoResponses(
  lines: readonly ReplayLine[],
  type: string,
  user?: string,
): { ts: number; res: unknown }[] {
  return lines.flatMap((l) =>
    l.src === "hl.info" && l.req.type === type && (user === undefined || l.req.user === user)
      ? [{ ts: l.ts, res: l.res }]
      : [],
  );
}
