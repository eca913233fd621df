import { AppError } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { z } from "zod";
import { appendAuditRecord, lockAuditChain } from "../audit/append.ts";
import type { Decision } from "./decision.ts";
import { accountId, micros } from "./policy-document.ts";

/**
 * Why a reservation is given back: the bid was never sent, the platform refused it, it lost its
 * auction, or it cost less than the amount reserved (then a part is given back).
 */
export const RELEASE_REASONS = ["not_sent", "rejected", "lost", "settled_lower"] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** A release asked for: the allowed decision (both its ids from the check's answer) and how much. */
export const releaseInput = z.strictObject({
  decisionId: accountId.describe("The allowed decision's id"),
  auditSeq: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .describe("The decision's record in the audit trail (the check's auditSeq)"),
  micros: micros
    .optional()
    .describe("How much to give back, micros (default: all the decision reserved)"),
  reason: z.enum(RELEASE_REASONS),
});
export type ReleaseInput = z.infer<typeof releaseInput>;

/** A reservation given back, as its `release` record holds it. */
export interface Release {
  decisionId: string;
  /** The decision's record, and the `release` record appended with it. */
  decisionSeq: number;
  auditSeq: number;
  clientId: string;
  campaignId: string;
  /** The period the decision reserved in (ISO 8601 UTC). */
  periodStart: string;
  releasedMicros: number;
  reason: ReleaseReason;
  /** When it was released (ISO 8601 UTC: the record's `at`). */
  at: string;
}

interface ReleaseRow {
  decision_id: string;
  decision_seq: number;
  audit_seq: number;
  campaign_id: string;
  period_start: Date;
  released_micros: number;
  reason: ReleaseReason;
  released_at: Date;
}

const releaseOf = (r: ReleaseRow, clientId: string): Release => ({
  decisionId: r.decision_id,
  decisionSeq: Number(r.decision_seq),
  auditSeq: Number(r.audit_seq),
  clientId,
  campaignId: r.campaign_id,
  periodStart: new Date(r.period_start).toISOString(),
  releasedMicros: Number(r.released_micros),
  reason: r.reason,
  at: new Date(r.released_at).toISOString(),
});

/**
 * Gives back what an allowed decision reserved against its campaign's period spend, all of it or
 * `micros` of it, once: in one transaction of the tenant under its audit-chain lock (so it is
 * ordered with the checks deciding from that spend), the spend goes down, a `release` record is
 * appended to the audit trail, and the release is kept by decision. Asked again with the same
 * amount and reason, it answers the release made (`replayed`), giving back nothing twice.
 * @throws AppError `not_found` when the trail has no decision of that id at that seq (or its
 *   campaign is gone); `conflict` for a denied decision (it reserved nothing) or one already
 *   released otherwise; `invalid_input` for more than the decision reserved.
 */
export async function releaseReservation(
  db: Db,
  tenantId: string,
  input: ReleaseInput,
  atMs: number,
): Promise<{ release: Release; replayed: boolean }> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    await lockAuditChain(tx);
    const [decisionRow] = await tx.query<{ kind: string; body: Decision }>(
      `SELECT kind, body FROM shield_audit_records WHERE tenant_id = $1 AND seq = $2`,
      [tenantId, input.auditSeq],
    );
    const decision = decisionRow?.body;
    if (decisionRow?.kind !== "decision" || decision?.decisionId !== input.decisionId)
      throw new AppError(
        "not_found",
        `no decision ${input.decisionId} at audit seq ${input.auditSeq}`,
      );
    if (decision.verdict !== "allow")
      throw new AppError(
        "conflict",
        `decision ${input.decisionId} denied the bid: it reserved nothing to release`,
      );
    const amount = input.micros ?? decision.bidMicros;
    if (amount > decision.bidMicros)
      throw new AppError(
        "invalid_input",
        `micros: ${amount} is more than decision ${input.decisionId} reserved (${decision.bidMicros})`,
      );
    const [before] = await tx.query<ReleaseRow>(
      `SELECT * FROM shield_releases WHERE tenant_id = $1 AND decision_id = $2`,
      [tenantId, input.decisionId],
    );
    if (before) {
      if (Number(before.released_micros) === amount && before.reason === input.reason)
        return { release: releaseOf(before, decision.clientId), replayed: true };
      throw new AppError(
        "conflict",
        `decision ${input.decisionId} was released already (${before.released_micros} micros, ${before.reason})`,
      );
    }
    const updated = await tx.query(
      `UPDATE shield_campaign_spend
       SET spent_micros = GREATEST(spent_micros - $4, 0), bids = GREATEST(bids - $5, 0),
         updated_at = $6
       WHERE tenant_id = $1 AND campaign_id = $2 AND period_start = $3
       RETURNING spent_micros`,
      [
        tenantId,
        decision.campaignId,
        new Date(decision.periodStart),
        amount,
        amount === decision.bidMicros ? 1 : 0,
        new Date(atMs),
      ],
    );
    if (updated.length === 0)
      throw new AppError(
        "not_found",
        `campaign ${decision.campaignId} has no spend in the period of decision ${input.decisionId} (deleted?)`,
      );
    const record = await appendAuditRecord(tx, {
      kind: "release",
      at: atMs,
      body: {
        decisionId: input.decisionId,
        decisionSeq: input.auditSeq,
        clientId: decision.clientId,
        campaignId: decision.campaignId,
        periodStart: decision.periodStart,
        releasedMicros: amount,
        reason: input.reason,
      },
    });
    const [row] = await tx.query<ReleaseRow>(
      `INSERT INTO shield_releases (tenant_id, decision_id, decision_seq, audit_seq, campaign_id,
         period_start, released_micros, reason, released_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        tenantId,
        input.decisionId,
        input.auditSeq,
        record.seq,
        decision.campaignId,
        new Date(decision.periodStart),
        amount,
        input.reason,
        new Date(atMs),
      ],
    );
    return { release: releaseOf(row as ReleaseRow, decision.clientId), replayed: false };
  });
}
