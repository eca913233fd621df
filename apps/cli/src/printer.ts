import type { FindingChange } from "@kamiyo/core";

/** The JSON shape of a printed finding change (one object per line with --json). */
export interface FindingLine {
  /** Clock time of the change, epoch ms (replay time in replays). */
  ts: number;
  change: FindingChange["change"];
  id: string;
  detector: string;
  kind: string;
  severity: string;
  subject: string;
  subjectType: string;
  title: string;
  evidence: Record<string, unknown>;
  /** Data time of the latest datum, epoch ms. */
  dataTs: number;
  /** Data time of the first datum of the episode, epoch ms. */
  firstDataTs: number;
  status: string;
}

export function toLine(change: FindingChange, ts: number): FindingLine {
  const f = change.finding;
  return {
    ts,
    change: change.change,
    id: f.id,
    detector: f.detector,
    kind: f.kind,
    severity: f.severity,
    subject: f.subject.id,
    subjectType: f.subject.type,
    title: f.title,
    evidence: f.evidence,
    dataTs: f.dataAt,
    firstDataTs: f.firstDataAt,
    status: f.status,
  };
}

/**
 * Prints findings as they open, escalate and resolve (refreshes are stored, not printed):
 * one JSON object per line, or an aligned human line.
 */
export function findingPrinter(
  json: boolean,
  write: (text: string) => void,
): (change: FindingChange, ts: number) => void {
  return (change, ts) => {
    if (change.change === "updated") return;
    if (json) {
      write(`${JSON.stringify(toLine(change, ts))}\n`);
      return;
    }
    const f = change.finding;
    const what = change.change === "resolved" ? "resolved" : f.severity.toUpperCase();
    write(
      `${new Date(ts).toISOString()}  ${what.padEnd(8)}  ${`${f.detector}/${f.kind}`.padEnd(30)}  ${f.subject.id.padEnd(10)}  ${f.title}\n`,
    );
  };
}
