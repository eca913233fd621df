import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { appendAuditRecords } from "../audit/append.ts";
import { canonicalJson } from "../audit/canonical-json.ts";
import { OUTCOME_KIND, type OutcomeRecordBody, outcomeRecordBody } from "./audit-kinds.ts";

/** An outcome as recorded: its audit record, and whether this call appended it. */
export interface RecordedOutcome {
  outcomeId: string;
  seq: number;
  /** false: the outcome id was recorded before (the record then is the first one). */
  created: boolean;
}

/**
 * Appends outcomes to the tenant's audit trail as `kind: "outcome"` records, each once by its
 * `outcomeId`: an id already recorded (before, or earlier in `outcomes`) appends nothing and
 * returns the record that holds it, provided the body is the same (as canonical JSON). Runs in the
 * caller's tenant transaction (`tenantDb(…).transaction`). The record's time is the outcome's
 * `occurredAt`.
 * @throws ZodError for a body that is not an outcome; AppError `conflict` for an outcome id
 *   recorded (or given earlier in `outcomes`) with another body; Error outside a tenant's transaction.
 */
export async function recordOutcomes(
  tx: Queryable,
  outcomes: readonly OutcomeRecordBody[],
): Promise<RecordedOutcome[]> {
  const bodies = outcomes.map((o) => outcomeRecordBody.parse(o));
  if (bodies.length === 0) return [];
  const ids = bodies.map((b) => b.outcomeId);
  // The audit trail's lock first (appendAuditRecords takes it too): two callers recording the same
  // outcome queue here, so the second sees the first's row.
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtext('shield_audit/' || current_setting('app.tenant_id', true)))`,
  );
  const rows = await tx.query<{ outcome_id: string; seq: number; body: unknown }>(
    `SELECT o.outcome_id, o.seq, r.body FROM shield_outcomes o
     JOIN shield_audit_records r ON r.tenant_id = o.tenant_id AND r.seq = o.seq
     WHERE o.outcome_id = ANY($1::text[])`,
    [ids],
  );
  const known = new Map(rows.map((r) => [r.outcome_id, Number(r.seq)]));
  const bodyOf = new Map(rows.map((r) => [r.outcome_id, canonicalJson(r.body)]));
  const fresh: OutcomeRecordBody[] = [];
  for (const b of bodies) {
    const canonical = canonicalJson(b);
    const before = bodyOf.get(b.outcomeId);
    if (before !== undefined && before !== canonical)
      throw new AppError("conflict", `outcome ${b.outcomeId} was recorded with another body`);
    bodyOf.set(b.outcomeId, canonical);
    if (!known.has(b.outcomeId) && !fresh.some((f) => f.outcomeId === b.outcomeId)) fresh.push(b);
  }
  const appended = await appendAuditRecords(
    tx,
    fresh.map((body) => ({ kind: OUTCOME_KIND, at: Date.parse(body.occurredAt), body })),
  );
  const created = new Map<string, number>();
  for (const [i, body] of fresh.entries()) created.set(body.outcomeId, appended[i]?.seq as number);
  if (created.size > 0)
    await tx.query(
      `INSERT INTO shield_outcomes (tenant_id, outcome_id, seq)
       SELECT current_setting('app.tenant_id'), o.id, o.seq FROM unnest($1::text[], $2::bigint[]) AS o(id, seq)`,
      [[...created.keys()], [...created.values()]],
    );
  const seen = new Set<string>();
  return bodies.map((b) => {
    const isNew = created.has(b.outcomeId) && !seen.has(b.outcomeId);
    seen.add(b.outcomeId);
    return {
      outcomeId: b.outcomeId,
      seq: (known.get(b.outcomeId) ?? created.get(b.outcomeId)) as number,
      created: isNew,
    };
  });
}
