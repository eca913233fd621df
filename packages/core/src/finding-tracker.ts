import {
  conditionKey,
  type Finding,
  type FindingChange,
  findingId,
  type Signal,
  type SignalRef,
} from "./finding.ts";
import { maxSeverity, severityRank } from "./severity.ts";

/** Default time an open finding stays open without a refresh (15 min). */
export const DEFAULT_HOLD_MS = 15 * 60_000;

interface OpenEntry {
  finding: Finding;
  holdMs: number;
}

/**
 * Turns detector signals into findings with stable ids: the same condition raised again while
 * open updates the open finding; a resolved or expired condition starts a new episode.
 */
export class FindingTracker {
  readonly #open = new Map<string, OpenEntry>();
  readonly #tenantId: string;
  readonly #now: () => number;

  constructor(tenantId: string, now: () => number) {
    this.#tenantId = tenantId;
    this.#now = now;
  }

  /** Restores open findings (for example from the database after a restart). */
  restore(findings: readonly Finding[]): void {
    for (const f of findings) {
      if (f.status !== "open") continue;
      const key = conditionKey(f.detector, { kind: f.kind, subject: f.subject, key: f.key });
      this.#open.set(key, { finding: f, holdMs: DEFAULT_HOLD_MS });
    }
  }

  /** Applies a raised signal. @returns the change it made. */
  raise(detector: string, signal: Signal): FindingChange {
    const key = conditionKey(detector, signal);
    const now = this.#now();
    const entry = this.#open.get(key);
    const holdMs = signal.holdMs ?? DEFAULT_HOLD_MS;
    if (entry) {
      const prev = entry.finding;
      const severity = maxSeverity(prev.severity, signal.severity);
      const escalated = severityRank(severity) > severityRank(prev.severity);
      const finding: Finding = {
        ...prev,
        severity,
        title:
          severityRank(signal.severity) >= severityRank(prev.severity) ? signal.title : prev.title,
        evidence: signal.evidence,
        dataAt: Math.max(prev.dataAt, signal.dataTime),
        updatedAt: now,
        occurrences: prev.occurrences + 1,
      };
      this.#open.set(key, { finding, holdMs });
      return { change: escalated ? "escalated" : "updated", finding };
    }
    const finding: Finding = {
      id: findingId(key, signal.dataTime),
      tenantId: this.#tenantId,
      detector,
      kind: signal.kind,
      subject: signal.subject,
      key: signal.key ?? "",
      severity: signal.severity,
      status: "open",
      title: signal.title,
      evidence: signal.evidence,
      firstDataAt: signal.dataTime,
      dataAt: signal.dataTime,
      detectedAt: now,
      updatedAt: now,
      resolvedAt: null,
      occurrences: 1,
    };
    this.#open.set(key, { finding, holdMs });
    return { change: "opened", finding };
  }

  /** Closes an open condition. @returns the change, or null if nothing was open. */
  resolve(
    detector: string,
    ref: SignalRef,
    dataTime: number,
    reason: string,
  ): FindingChange | null {
    const key = conditionKey(detector, ref);
    const entry = this.#open.get(key);
    if (!entry) return null;
    this.#open.delete(key);
    const now = this.#now();
    const finding: Finding = {
      ...entry.finding,
      status: "resolved",
      evidence: { ...entry.finding.evidence, resolution: reason },
      dataAt: Math.max(entry.finding.dataAt, dataTime),
      updatedAt: now,
      resolvedAt: now,
    };
    return { change: "resolved", finding };
  }

  /** Closes every open finding not refreshed within its hold time. */
  expire(): FindingChange[] {
    const now = this.#now();
    const changes: FindingChange[] = [];
    for (const [key, entry] of this.#open) {
      if (now - entry.finding.updatedAt < entry.holdMs) continue;
      this.#open.delete(key);
      changes.push({
        change: "resolved",
        finding: {
          ...entry.finding,
          status: "resolved",
          evidence: { ...entry.finding.evidence, resolution: "condition not seen again" },
          updatedAt: now,
          resolvedAt: now,
        },
      });
    }
    return changes;
  }

  /** Open findings, for inspection. */
  openFindings(): Finding[] {
    return [...this.#open.values()].map((e) => e.finding);
  }
}
