import { AppError } from "@kamiyo/core";
import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import type { AuditRecordInput } from "../audit/append.ts";
import { appendAuditRecords, lockAuditChain } from "../audit/append.ts";
import { type Decision, decisionBody } from "./decision.ts";
import { evaluateBid } from "./evaluate.ts";
import { type Period, periodBounds } from "./periods.ts";
import type { PolicyCache } from "./policy-store.ts";

/** A check ready to decide: its LTV resolved, its id and time given. */
export interface ResolvedCheck {
  decisionId: string;
  atMs: number;
  clientId: string;
  campaignId: string;
  bidMicros: number;
  predictedLtvMicros: number | null;
  ltvModelVersion: number | null;
  /** The caller's id for the check, and the SHA-256 of its request without it (retries). */
  retry?: { checkId: string; requestSha256: string };
}

interface StateRow {
  policy_version: number | null;
  id: string;
  client_id: string;
  budget_micros: number;
  period: Period;
  killed: boolean;
  kill_reason: string | null;
  client_killed: boolean;
  client_kill_reason: string | null;
  period_start: Date | null;
  spent_micros: number | null;
}

interface Campaign {
  row: StateRow;
  /** Spend by period start (ms), updated as the batch reserves. */
  spent: Map<number, number>;
}

// The campaigns asked about, their clients' kill switches, their spend in the periods the
// checks' times fall in, and the active policy version, in one statement.
const STATE_SQL = `
  SELECT (SELECT version FROM shield_policies WHERE tenant_id = $1 AND active) AS policy_version,
    c.id, c.client_id, c.budget_micros, c.period, c.killed, c.kill_reason,
    cl.killed AS client_killed, cl.kill_reason AS client_kill_reason,
    s.period_start, s.spent_micros
  FROM shield_campaigns c
  JOIN shield_clients cl ON cl.tenant_id = c.tenant_id AND cl.id = c.client_id
  LEFT JOIN shield_campaign_spend s ON s.tenant_id = c.tenant_id AND s.campaign_id = c.id
    AND s.period_start = ANY($3::timestamptz[])
  WHERE c.tenant_id = $1 AND c.id = ANY($2::text[])`;

// The checks already decided among those asked, with the decision that answered each.
const DECIDED_SQL = `
  SELECT i.check_id, i.request_sha256, r.seq, r.at, r.body
  FROM shield_check_ids i
  JOIN shield_audit_records r ON r.tenant_id = i.tenant_id AND r.seq = i.audit_seq
  WHERE i.tenant_id = $1 AND i.check_id = ANY($2::text[])`;

const REMEMBER_SQL = `
  INSERT INTO shield_check_ids (tenant_id, check_id, request_sha256, audit_seq, decided_at)
  SELECT $1, r.check_id, r.sha, r.seq, $5
  FROM unnest($2::text[], $3::text[], $4::bigint[]) AS r(check_id, sha, seq)
  ON CONFLICT (tenant_id, check_id) DO UPDATE
    SET request_sha256 = EXCLUDED.request_sha256, audit_seq = EXCLUDED.audit_seq,
      decided_at = EXCLUDED.decided_at`;

const FORGET_SQL = `DELETE FROM shield_check_ids WHERE tenant_id = $1 AND decided_at < $2`;

/** How long a check's id answers a retry with the decision made. */
export const CHECK_ID_TTL_MS = 24 * 3_600_000;

const RESERVE_SQL = `
  INSERT INTO shield_campaign_spend (tenant_id, campaign_id, period_start, spent_micros, bids,
    updated_at)
  SELECT $1, r.campaign_id, r.period_start, r.micros, r.bids, $6
  FROM unnest($2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[])
    AS r(campaign_id, period_start, micros, bids)
  ON CONFLICT (tenant_id, campaign_id, period_start) DO UPDATE
    SET spent_micros = shield_campaign_spend.spent_micros + EXCLUDED.spent_micros,
      bids = shield_campaign_spend.bids + EXCLUDED.bids, updated_at = EXCLUDED.updated_at`;

/**
 * Decides `checks` in order and commits them in one transaction of the tenant: takes the tenant's
 * audit-chain lock first (so every writer of the tenant's decisions, in any process, queues, and
 * the state read next includes what the previous one committed), then, given a function, calls it
 * for the checks (so a transaction can be opened before its checks are known, and take those
 * waiting when its turn comes), reads the campaigns' state and
 * the active policy, evaluates each check against the state the checks before it left, reserves
 * the allowed bids' amounts against their campaigns' period spend and appends one `decision`
 * record per check to the audit trail. A check with the id of one decided in the last
 * {@link CHECK_ID_TTL_MS} (before, or earlier in the batch) is answered that decision, reserving
 * and recording nothing again; with another request under the same id, a `conflict`. Ids decided
 * are remembered with their record's seq; `forgetCheckIdsBefore` also deletes those older. All of
 * it commits, or none.
 * @returns per check, its decision, or an AppError for a check that could not be decided
 *   (`not_found`: no such campaign of that client; `conflict`: the tenant has no active policy);
 *   those get no audit record.
 * @throws whatever the transaction threw (then nothing of the batch was committed).
 */
export async function commitChecks(
  db: Db,
  tenantId: string,
  take: readonly ResolvedCheck[] | (() => readonly ResolvedCheck[]),
  policies: PolicyCache,
  opts: { forgetCheckIdsBefore?: number } = {},
): Promise<(Decision | AppError)[]> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    await lockAuditChain(tx);
    const checks = typeof take === "function" ? take() : take;
    if (checks.length === 0) return [];
    const answered = await decidedBefore(tx, tenantId, checks);
    const ids = [...new Set(checks.map((c) => c.campaignId))];
    const starts = new Set<number>();
    for (const c of checks)
      for (const p of ["day", "week", "month"] as const)
        starts.add(periodBounds(p, c.atMs).startMs);
    const rows = await tx.query<StateRow>(STATE_SQL, [
      tenantId,
      ids,
      [...starts].map((s) => new Date(s)),
    ]);
    const campaigns = new Map<string, Campaign>();
    for (const row of rows) {
      let c = campaigns.get(row.id);
      if (!c) {
        c = { row, spent: new Map() };
        campaigns.set(row.id, c);
      }
      if (row.period_start !== null)
        c.spent.set(new Date(row.period_start).getTime(), Number(row.spent_micros));
    }
    const version = rows[0]?.policy_version ?? null;
    const policy = version === null ? null : await policies.get(tx, tenantId, Number(version));
    const results: (Decision | AppError)[] = [];
    const records: AuditRecordInput[] = [];
    const decided: Decision[] = [];
    const reserved = new Map<
      string,
      { campaignId: string; start: number; micros: number; bids: number }
    >();
    /** The checks of this batch with an id, by id: a retry inside the batch answers the first. */
    const firstOf = new Map<string, { sha: string; result: Decision | AppError }>();
    const retried = (check: ResolvedCheck): Decision | AppError | undefined => {
      if (!check.retry) return undefined;
      const before = answered.get(check.retry.checkId) ?? firstOf.get(check.retry.checkId);
      if (!before) return undefined;
      if (before.sha !== check.retry.requestSha256)
        return new AppError(
          "conflict",
          `checkId ${check.retry.checkId} was used for another bid: give each bid its own id`,
        );
      return before.result;
    };
    for (const check of checks) {
      const again = retried(check);
      if (again) {
        results.push(again);
        continue;
      }
      const result = decide(check);
      if (check.retry) firstOf.set(check.retry.checkId, { sha: check.retry.requestSha256, result });
      results.push(result);
    }
    function decide(check: ResolvedCheck): Decision | AppError {
      const c = campaigns.get(check.campaignId);
      if (!c || c.row.client_id !== check.clientId)
        return new AppError(
          "not_found",
          `no campaign ${check.campaignId} of client ${check.clientId}`,
        );
      if (!policy)
        return new AppError(
          "conflict",
          "no active policy for this tenant: save one with PUT /shield/policy",
        );
      const { row } = c;
      const bounds = periodBounds(row.period, check.atMs);
      const spentMicros = c.spent.get(bounds.startMs) ?? 0;
      const budgetMicros = Number(row.budget_micros);
      const { verdict, reasons } = evaluateBid(
        policy,
        {
          clientKilled: row.client_killed,
          clientKillReason: row.client_kill_reason,
          campaignKilled: row.killed,
          campaignKillReason: row.kill_reason,
          budgetMicros,
          spentMicros,
          periodStartMs: bounds.startMs,
          periodEndMs: bounds.endMs,
        },
        check,
      );
      if (verdict === "allow") {
        c.spent.set(bounds.startMs, spentMicros + check.bidMicros);
        const key = `${check.campaignId}\u0000${bounds.startMs}`;
        const r = reserved.get(key);
        if (r) {
          r.micros += check.bidMicros;
          r.bids++;
        } else
          reserved.set(key, {
            campaignId: check.campaignId,
            start: bounds.startMs,
            micros: check.bidMicros,
            bids: 1,
          });
      }
      const decision: Decision = {
        decisionId: check.decisionId,
        verdict,
        reasons,
        policyVersion: policy.version,
        clientId: check.clientId,
        campaignId: check.campaignId,
        bidMicros: check.bidMicros,
        predictedLtvMicros: check.predictedLtvMicros,
        ltvModelVersion: check.ltvModelVersion,
        spentMicros,
        budgetMicros,
        period: row.period,
        periodStart: new Date(bounds.startMs).toISOString(),
        at: new Date(check.atMs).toISOString(),
        auditSeq: 0,
        ...(check.retry && { checkId: check.retry.checkId }),
      };
      decided.push(decision);
      records.push({ kind: "decision", at: check.atMs, body: decisionBody(decision) });
      return decision;
    }
    if (reserved.size > 0) {
      const r = [...reserved.values()];
      await tx.query(RESERVE_SQL, [
        tenantId,
        r.map((x) => x.campaignId),
        r.map((x) => new Date(x.start)),
        r.map((x) => x.micros),
        r.map((x) => x.bids),
        new Date(Math.max(...checks.map((c) => c.atMs))),
      ]);
    }
    const appended = await appendAuditRecords(tx, records);
    for (const [i, d] of decided.entries()) d.auditSeq = (appended[i] as { seq: number }).seq;
    const remembered = checks.flatMap((c) => {
      const first = c.retry && firstOf.get(c.retry.checkId);
      return first &&
        !(first.result instanceof AppError) &&
        first.result.decisionId === c.decisionId
        ? [{ id: c.retry?.checkId as string, sha: first.sha, seq: first.result.auditSeq }]
        : [];
    });
    if (opts.forgetCheckIdsBefore !== undefined)
      await tx.query(FORGET_SQL, [tenantId, new Date(opts.forgetCheckIdsBefore)]);
    if (remembered.length > 0)
      await tx.query(REMEMBER_SQL, [
        tenantId,
        remembered.map((r) => r.id),
        remembered.map((r) => r.sha),
        remembered.map((r) => r.seq),
        new Date(Math.max(...checks.map((c) => c.atMs))),
      ]);
    return results;
  });
}

/**
 * The decisions already made for the checks' ids (within {@link CHECK_ID_TTL_MS}), by id, with
 * the request each answered. Read under the tenant's chain lock, so a retry racing its original
 * in another transaction sees it once committed.
 */
async function decidedBefore(
  tx: Queryable,
  tenantId: string,
  checks: readonly ResolvedCheck[],
): Promise<Map<string, { sha: string; result: Decision }>> {
  const ids = checks.flatMap((c) => (c.retry ? [c.retry.checkId] : []));
  const answered = new Map<string, { sha: string; result: Decision }>();
  if (ids.length === 0) return answered;
  const rows = await tx.query<{
    check_id: string;
    request_sha256: string;
    seq: number;
    at: Date;
    body: Omit<Decision, "at" | "auditSeq">;
  }>(DECIDED_SQL, [tenantId, ids]);
  const oldest = Math.min(...checks.map((c) => c.atMs)) - CHECK_ID_TTL_MS;
  for (const r of rows) {
    if (new Date(r.at).getTime() < oldest) continue;
    answered.set(r.check_id, {
      sha: r.request_sha256,
      result: { ...r.body, at: new Date(r.at).toISOString(), auditSeq: Number(r.seq) },
    });
  }
  return answered;
}
