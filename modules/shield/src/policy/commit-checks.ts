import { AppError } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
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
 * record per check to the audit trail. All of it commits, or none.
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
): Promise<(Decision | AppError)[]> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    await lockAuditChain(tx);
    const checks = typeof take === "function" ? take() : take;
    if (checks.length === 0) return [];
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
    for (const check of checks) {
      const c = campaigns.get(check.campaignId);
      if (!c || c.row.client_id !== check.clientId) {
        results.push(
          new AppError("not_found", `no campaign ${check.campaignId} of client ${check.clientId}`),
        );
        continue;
      }
      if (!policy) {
        results.push(
          new AppError(
            "conflict",
            "no active policy for this tenant: save one with PUT /shield/policy",
          ),
        );
        continue;
      }
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
      };
      results.push(decision);
      decided.push(decision);
      records.push({ kind: "decision", at: check.atMs, body: decisionBody(decision) });
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
    return results;
  });
}
