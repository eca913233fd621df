import { type Finding, severityRank } from "@kamiyo/core";
import type { ChannelFilter } from "../store/channels.ts";
import type { AlertType } from "../types.ts";

/** The identity of a condition across its episodes: detector, kind, subject and key. */
export function fingerprintOf(f: Finding): string {
  return `${f.detector}:${f.kind}:${f.subject.type}:${f.subject.id}:${f.key}`;
}

/** What was last decided for a fingerprint. `muted`: an episode held back by the cooldown. */
export interface FingerprintState {
  findingId: string;
  severity: Finding["severity"];
  status: "open" | "resolved" | "muted";
  notifiedAt: number;
}

export interface Decision {
  /** The alert to send, or null when the change needs none. */
  type: Extract<AlertType, "finding.opened" | "finding.escalated" | "finding.resolved"> | null;
  /** The state to store for the fingerprint (null: unchanged). */
  next: FingerprintState | null;
}

/**
 * Whether a finding's latest state deserves an alert, given what was last decided for its
 * condition. A new episode opens (unless the condition resolved less than `cooldownMs` ago and
 * is no worse now: flapping); a worse severity escalates (always, cooldown or not); a resolution
 * is announced once for an episode that was announced open. Anything else (more occurrences, a
 * new data time, the same severity again) is a duplicate.
 */
export function decide(
  f: Finding,
  prev: FingerprintState | undefined,
  nowMs: number,
  opts: { cooldownMs: number; notifyResolved: boolean },
): Decision {
  const sameEpisode = prev !== undefined && prev.findingId === f.id;
  const worse = (than: Finding["severity"]) => severityRank(f.severity) > severityRank(than);
  if (f.status === "resolved") {
    if (sameEpisode && prev.status === "open")
      return {
        type: opts.notifyResolved ? "finding.resolved" : null,
        next: { ...prev, status: "resolved", notifiedAt: nowMs },
      };
    if (sameEpisode && prev.status === "muted")
      return { type: null, next: { ...prev, status: "resolved" } };
    return { type: null, next: null };
  }
  if (sameEpisode) {
    if (!worse(prev.severity)) return { type: null, next: null };
    return {
      type: "finding.escalated",
      next: { findingId: f.id, severity: f.severity, status: "open", notifiedAt: nowMs },
    };
  }
  const flapping =
    prev !== undefined &&
    prev.status !== "open" &&
    nowMs - prev.notifiedAt < opts.cooldownMs &&
    !worse(prev.severity);
  if (flapping)
    return {
      type: null,
      next: {
        findingId: f.id,
        severity: prev.severity,
        status: "muted",
        notifiedAt: prev.notifiedAt,
      },
    };
  return {
    type: "finding.opened",
    next: { findingId: f.id, severity: f.severity, status: "open", notifiedAt: nowMs },
  };
}

/** Whether a channel's filter takes a finding. Exploit filters apply only to findings that carry those fields. */
export function filterMatches(filter: ChannelFilter, f: Finding): boolean {
  if (filter.minSeverity && severityRank(f.severity) < severityRank(filter.minSeverity))
    return false;
  if (filter.detectors && !filter.detectors.includes(f.detector)) return false;
  if (filter.kinds && !filter.kinds.includes(f.kind)) return false;
  if (filter.subjects && !filter.subjects.includes(f.subject.id)) return false;
  const ev = f.evidence as Record<string, unknown>;
  const listed = (values: string[] | undefined, v: unknown) =>
    !values ||
    (Array.isArray(v)
      ? v.some((x) => values.includes(String(x)))
      : typeof v === "string" && values.includes(v));
  if (!listed(filter.chains, ev.chains ?? ev.chain)) return false;
  if (!listed(filter.protocols, ev.protocol)) return false;
  if (!listed(filter.categories, ev.category)) return false;
  if (filter.minAmountUsd !== undefined) {
    const amount = ev.lossUsd ?? ev.amountUsd;
    if (typeof amount !== "number" || amount < filter.minAmountUsd) return false;
  }
  return true;
}
