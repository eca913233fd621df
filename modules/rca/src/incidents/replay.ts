import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { type Db, tenantDb } from "@kamiyo/db";
import { rankCandidates } from "../analysis/rank.ts";
import { toEventRow } from "../builder/to-event-row.ts";
import type { EventRow } from "../graph/state-events.ts";
import type { IngestedEvent } from "../ingest/events.ts";
import { normalizeK8sEvents } from "../ingest/k8s-events.ts";
import { StreamingAnomalyDetector } from "../ingest/streaming-anomaly.ts";
import { LogBurstAggregator, parseVectorLogs } from "../ingest/vector-logs.ts";
import type { Candidate, RcaInput, Symptom } from "../model.ts";
import { loadRcaInput } from "../store/load-input.ts";
import { recordEvents } from "../store/record-events.ts";
import { applyWatchBatch, replaceCallEdges } from "../store/write-graph.ts";
import { type Incident, type IncidentHeader, type IncidentLine, parseIncident } from "./format.ts";

/** What a replay fed in, counted. */
export interface ReplayCounts {
  lines: number;
  /** Watch events applied (in batches of the lines of one time). */
  watchEvents: number;
  /** Objects the graph builder refused. */
  malformed: number;
  /** Events newly recorded: state changes, Kubernetes Events, log bursts, metric anomalies. */
  events: number;
  /** Items an ingest normalizer refused (not an Event, not a log record, a sample refused). */
  rejected: number;
  callEdges: number;
}

/** How the top candidate compares with the incident's expected answer. */
export interface Verdict {
  readonly pass: boolean;
  /** `field: expected … got …` for each field that differs. */
  readonly mismatches: readonly string[];
}

/** One replayed incident: its header, the RCA answer for its symptom, and the verdict. */
export interface IncidentReplay {
  readonly header: IncidentHeader;
  readonly symptom: Symptom;
  /** What the RCA query read from the graph the replay built. */
  readonly input: RcaInput;
  readonly candidates: readonly Candidate[];
  readonly verdict: Verdict;
  readonly counts: ReplayCounts;
}

/** Log lines of a minute still arrive this long after it ends (the aggregator's grace). */
const LOG_GRACE_MS = 60_000;

/** Reads an incident file (`.ndjson`, or gzip: by its magic bytes). @throws as {@link parseIncident}. */
export function readIncident(file: string | URL): Incident {
  const bytes = readFileSync(file);
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  return parseIncident((gz ? gunzipSync(bytes) : bytes).toString("utf8"));
}

/**
 * Replays an incident into the tenant's graph through the product's own ingest path, line by
 * line at each line's time: watch events through `applyWatchBatch` (the lines of one time as one
 * batch), Kubernetes Events through `normalizeK8sEvents`, Vector logs through `parseVectorLogs`
 * and a `LogBurstAggregator` (minutes flushed a minute after they end), remote-write samples
 * through a `StreamingAnomalyDetector`, all of them stored as the graph builder stores them
 * (`toEventRow`, `recordEvents`); call edges through `replaceCallEdges`. Then asks the RCA query
 * of the header's symptom (`loadRcaInput`, `rankCandidates`) and compares the top candidate with
 * the expected answer. The tenant must exist; replaying twice records nothing new.
 */
export async function replayIncident(
  db: Db,
  tenantId: string,
  file: string | URL | Incident,
): Promise<IncidentReplay> {
  const incident = typeof file === "object" && "header" in file ? file : readIncident(file);
  const tdb = tenantDb(db, tenantId);
  const counts: ReplayCounts = {
    lines: incident.lines.length + 1,
    watchEvents: 0,
    malformed: 0,
    events: 0,
    rejected: 0,
    callEdges: 0,
  };
  const logs = new LogBurstAggregator();
  const detector = new StreamingAnomalyDetector();
  const record = async (events: readonly IngestedEvent[], at: Date) => {
    const rows: EventRow[] = events.map(toEventRow);
    if (rows.length > 0) counts.events += await recordEvents(tdb, rows, at);
  };
  const lines = incident.lines;
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] as IncidentLine;
    const at = new Date(line.at);
    if (line.kind === "watch") {
      const batch: unknown[] = [];
      for (; i < lines.length; i++) {
        const l = lines[i] as IncidentLine;
        if (l.kind !== "watch" || l.at !== line.at) break;
        batch.push(l.event);
      }
      const r = await applyWatchBatch(tdb, batch, at);
      counts.watchEvents += batch.length;
      counts.malformed += r.counts.malformed;
      counts.events += r.eventsRecorded;
      continue;
    }
    i++;
    switch (line.kind) {
      case "k8s_event": {
        const { events, rejected } = normalizeK8sEvents(line.event);
        counts.rejected += rejected.length;
        await record(events, at);
        break;
      }
      case "logs": {
        const { records, rejected } = parseVectorLogs(JSON.stringify(line.records));
        counts.rejected += rejected.length;
        logs.add(records);
        await record(logs.flush(at.getTime() - LOG_GRACE_MS), at);
        break;
      }
      case "samples": {
        const found: IngestedEvent[] = [];
        for (const s of line.series)
          for (const sample of s.samples) {
            const r = detector.observe(s.labels, { at: sample.timestamp, value: sample.value });
            if (r.accepted) found.push(...r.events);
            else counts.rejected++;
          }
        await record(found, at);
        break;
      }
      case "calls":
        await replaceCallEdges(tdb, line.feed, line.edges, at);
        counts.callEdges += line.edges.length;
        break;
    }
  }
  const last = lines.at(-1);
  await record(logs.flush(Number.POSITIVE_INFINITY), new Date(last?.at ?? Date.now()));

  const s = incident.header.symptom;
  const symptom: Symptom = {
    from: Date.parse(s.from),
    to: Date.parse(s.to),
    ...(s.service ? { service: s.service } : {}),
    ...(s.resource ? { resource: s.resource } : {}),
    ...(s.alert ? { alert: s.alert } : {}),
  };
  const { input } = await loadRcaInput(tdb, symptom);
  const candidates = rankCandidates(input);
  return {
    header: incident.header,
    symptom,
    input,
    candidates,
    verdict: verdictOf(incident.header.expected, candidates[0]),
    counts,
  };
}

/** Whether `top` is the expected answer: service, resource, fault type and causal path. */
export function verdictOf(
  expected: IncidentHeader["expected"],
  top: Candidate | undefined,
): Verdict {
  const got = {
    service: top?.service,
    resource: top?.resource,
    faultType: top?.faultType,
    causalPath: top?.causalPath.join(" → "),
  };
  const want = { ...expected, causalPath: expected.causalPath.join(" → ") };
  const mismatches = (Object.keys(want) as (keyof typeof want)[])
    .filter((k) => want[k] !== got[k])
    .map((k) => `${k}: expected ${want[k]}, got ${got[k] ?? "nothing"}`);
  return { pass: mismatches.length === 0, mismatches };
}
