import { existsSync } from "node:fs";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { CliError, type CliIo } from "@kamiyo/platform";
import { INCIDENT_IDS, type IncidentId, incidentFile } from "../incidents/catalog.ts";
import { type IncidentReplay, replayIncident } from "../incidents/replay.ts";

/** The file of `incident`: a path, or the id of an incident shipped in `fixtures/incidents/`. */
function resolve(incident: string): string | URL {
  if (existsSync(incident)) return incident;
  if ((INCIDENT_IDS as readonly string[]).includes(incident))
    return incidentFile(incident as IncidentId);
  throw new CliError(
    `no such incident file: ${incident} (or one of the shipped incidents: ${INCIDENT_IDS.join(", ")})`,
  );
}

const time = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** The replay as text: the incident, what was fed, the top candidates and the verdict. */
function text(r: IncidentReplay, top: number): string {
  const h = r.header;
  const s = r.symptom;
  const lines = [
    `${h.id}: ${h.title}${h.constructed ? " (constructed)" : ""}`,
    `symptom: ${s.resource ?? s.service ?? "anywhere"}, ${time(s.from)} to ${time(s.to)}${s.alert ? ` (${s.alert})` : ""}`,
    `replayed ${r.counts.lines} lines: ${r.counts.watchEvents} watch events, ${r.counts.events} events recorded, ${r.counts.callEdges} call edges`,
    "",
  ];
  for (const [i, c] of r.candidates.slice(0, top).entries()) {
    lines.push(
      `${String(i + 1).padStart(2)}. ${c.service}  ${c.faultType}  score ${c.score.toFixed(2)}  ${c.resource ?? ""}`,
      `    path: ${c.causalPath.join(" → ")}`,
    );
    if (c.events.length > 0)
      lines.push(
        `    events: ${c.events
          .slice(0, 4)
          .map((e) => `${e.reason}${e.count > 1 ? ` ×${e.count}` : ""} on ${e.resource}`)
          .join("; ")}`,
      );
    if (c.evidence.length > 0)
      lines.push(
        `    metrics: ${c.evidence
          .slice(0, 3)
          .map((e) => `${e.metric} on ${e.resource} z ${e.z.toFixed(1)}`)
          .join("; ")}`,
      );
  }
  lines.push(
    "",
    `expected: ${h.expected.resource} (${h.expected.faultType}): ${r.verdict.pass ? "found first" : "NOT found first"}`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * `kamiyo rca replay INCIDENT [--json]`: replays an incident file (or a shipped incident by id)
 * into a throwaway embedded database through the ingest path, asks the RCA query of its symptom
 * and prints the top candidates and whether the first is the expected answer.
 * @throws CliError when the file cannot be read, or the first candidate is not the expected one
 *   (after printing the answer).
 */
export async function rcaReplayCommand(
  io: CliIo,
  incident: string,
  opts: { json?: boolean; top?: number },
  /** A temporary embedded database with the tables (`ModuleCliContext.openTemporaryDb`). */
  openDb: () => Promise<Db>,
): Promise<void> {
  const file = resolve(incident);
  const db = await openDb();
  let replay: IncidentReplay;
  try {
    replay = await replayIncident(db, DEFAULT_TENANT_ID, file);
  } catch (err) {
    throw new CliError(`${incident}: ${(err as Error).message}`);
  } finally {
    await db.close();
  }
  const top = opts.top ?? 5;
  io.out(
    opts.json
      ? `${JSON.stringify({
          id: replay.header.id,
          title: replay.header.title,
          symptom: replay.header.symptom,
          expected: replay.header.expected,
          verdict: replay.verdict,
          counts: replay.counts,
          candidates: replay.candidates.slice(0, top),
        })}\n`
      : text(replay, top),
  );
  if (!replay.verdict.pass)
    throw new CliError(`${replay.header.id}: ${replay.verdict.mismatches.join("; ")}`);
}
