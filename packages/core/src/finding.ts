import { createHash } from "node:crypto";
import type { Severity } from "./severity.ts";

/** What a finding is about. */
export interface Subject {
  /**
   * What kind of thing, as its module names it: the Hyperliquid monitor's `asset`, `vault`,
   * `user`, `market`; a new product line brings its own (RCA's pods and services).
   */
  type: string;
  /** Its id within the type: a coin, a vault or user address (lower case), a market name… */
  id: string;
}

/** Numeric and descriptive facts backing a finding. Numbers are plain units (USD, %, base units). */
export type Evidence = Record<
  string,
  number | string | boolean | null | readonly (number | string)[]
>;

/** What a detector emits when a condition holds. */
export interface Signal {
  /** The condition within the detector, e.g. "loss-24h", "cascade". */
  kind: string;
  subject: Subject;
  /** Separates simultaneous episodes on one subject (for example a liquidation's trade id). */
  key?: string;
  severity: Severity;
  title: string;
  evidence: Evidence;
  /** Time of the datum that raised or refreshed the condition, epoch ms. */
  dataTime: number;
  /** The finding closes by itself this long after its last refresh (ms). Default 15 min. */
  holdMs?: number;
}

/** Names a condition to close. */
export interface SignalRef {
  kind: string;
  subject: Subject;
  key?: string;
}

export type FindingStatus = "open" | "resolved";

/** A persisted finding: one condition over one episode, updated while it lasts. */
export interface Finding {
  /** `fnd_` + episode start (base 36) + hash; stable for the same condition and episode. */
  id: string;
  tenantId: string;
  detector: string;
  kind: string;
  subject: Subject;
  key: string;
  /** The worst severity reached in this episode. */
  severity: Severity;
  status: FindingStatus;
  title: string;
  evidence: Evidence;
  /** Data time of the first datum of the episode, epoch ms. */
  firstDataAt: number;
  /** Data time of the latest datum, epoch ms. */
  dataAt: number;
  /** Clock time when the finding was first raised, epoch ms. */
  detectedAt: number;
  /** Clock time of the latest change, epoch ms. */
  updatedAt: number;
  resolvedAt: number | null;
  /** How many times the condition was raised in this episode. */
  occurrences: number;
}

export type FindingChangeKind = "opened" | "escalated" | "updated" | "resolved";

/** A change to a finding, as the pipeline publishes it. */
export interface FindingChange {
  change: FindingChangeKind;
  finding: Finding;
}

/** The identity of a condition, independent of its episode. */
export function conditionKey(detector: string, ref: SignalRef): string {
  return `${detector}|${ref.kind}|${ref.subject.type}:${ref.subject.id}|${ref.key ?? ""}`;
}

/**
 * A finding id derived from the condition and the data time its episode started, so the same
 * data replayed twice yields the same ids, and ids sort by episode start.
 */
export function findingId(condition: string, firstDataAt: number): string {
  const hash = createHash("sha256").update(`${condition}|${firstDataAt}`).digest("hex");
  const start = Math.max(0, Math.floor(firstDataAt)).toString(36).padStart(9, "0");
  return `fnd_${start}${hash.slice(0, 12)}`;
}
