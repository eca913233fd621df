import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { Finding } from "@kamiyo/core";
import type { ReplayLine } from "@kamiyo/replay";
import { isTyped } from "@kamiyo/replay";
import { fixturePath } from "@kamiyo/testing";
import { inject } from "vitest";
import type { AnomalyModel } from "../ml/anomaly/anomaly-model.ts";
import {
  quietDayModel,
  RUNS_DIR_KEY,
  SCENARIOS,
  type ScenarioName,
  type ScenarioRun,
  scenarioRun,
} from "./scenario-runs.ts";

export type { ScenarioName, Seen } from "./scenario-runs.ts";

/** A shared scenario replay (see scenario-runs.ts) with the fixture's lines. */
export interface ScenarioReplay extends ScenarioRun {
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

/** The results directory of this run's shared replays. */
export function runsDir(): string {
  return inject(RUNS_DIR_KEY);
}

/** This run's replay of a scenario (replayed once, shared by every acceptance test). */
export async function runScenario(name: ScenarioName): Promise<ScenarioReplay> {
  const run = await scenarioRun(runsDir(), name);
  return { ...run, lines: scenarioLines(SCENARIOS[name]) };
}

/** The anomaly model the incidents were replayed with (trained on the quiet day's history). */
export function sharedModel(): AnomalyModel {
  return quietDayModel(runsDir());
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
    l.src === "hl.info" &&
    isTyped(l) &&
    l.req.type === type &&
    (user === undefined || l.req.user === user)
      ? [{ ts: l.ts, res: l.res }]
      : [],
  );
}
