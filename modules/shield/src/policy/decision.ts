import type { Reason } from "./evaluate.ts";
import type { Period } from "./periods.ts";

/** A check's answer, as the audit trail records it (its body) and callers receive it. */
export interface Decision {
  /** `dec_…`, sortable by time. */
  decisionId: string;
  verdict: "allow" | "deny";
  /** Every rule the bid broke; empty when allowed. */
  reasons: readonly Reason[];
  /** The tenant's policy version that decided. */
  policyVersion: number;
  clientId: string;
  campaignId: string;
  bidMicros: number;
  /** Null when the check had no LTV (then a ROAS floor denies). */
  predictedLtvMicros: number | null;
  /** The LTV model version that predicted it; null when the caller gave the LTV. */
  ltvModelVersion: number | null;
  /** What the campaign had reserved in the period before this bid, micros. */
  spentMicros: number;
  budgetMicros: number;
  period: Period;
  /** The period's start, ISO 8601 UTC. */
  periodStart: string;
  /** When it was decided, ISO 8601 UTC (the audit record's `at`). */
  at: string;
  /** Its record in the tenant's audit trail. */
  auditSeq: number;
  /** The caller's id for the check, when it gave one (a retry with it answers this decision). */
  checkId?: string;
}

/** The audit record's body: the decision without its place and time (the record holds those). */
export function decisionBody(d: Decision): Record<string, unknown> {
  const { auditSeq: _seq, at: _at, ...body } = d;
  return body;
}
