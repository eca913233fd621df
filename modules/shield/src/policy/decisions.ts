import { type Db, tenantDb } from "@kamiyo/db";
import type { Decision } from "./decision.ts";

/** A page of decisions, newest first; `nextCursor` (an audit seq) reads the older ones. */
export interface DecisionPage {
  items: Decision[];
  nextCursor: number | null;
}

/**
 * The tenant's decisions, newest first, read from its audit trail (records of kind `decision`
 * that the check wrote, with a `decisionId`): of one
 * campaign or verdict when asked, `limit` a page, before the audit seq `before` (a page's
 * `nextCursor`).
 */
export async function listDecisions(
  db: Db,
  tenantId: string,
  opts: {
    limit: number;
    before?: number | undefined;
    campaignId?: string | undefined;
    verdict?: "allow" | "deny" | undefined;
  },
): Promise<DecisionPage> {
  const rows = await tenantDb(db, tenantId).query<{ seq: number; at: Date; body: Decision }>(
    `SELECT seq, at, body FROM shield_audit_records
     WHERE tenant_id = $1 AND kind = 'decision' AND body ? 'decisionId' AND seq < $2
       AND ($3::text IS NULL OR body->>'campaignId' = $3)
       AND ($4::text IS NULL OR body->>'verdict' = $4)
     ORDER BY seq DESC LIMIT $5`,
    [
      tenantId,
      opts.before ?? Number.MAX_SAFE_INTEGER,
      opts.campaignId ?? null,
      opts.verdict ?? null,
      opts.limit + 1,
    ],
  );
  const page = rows.slice(0, opts.limit);
  return {
    items: page.map((r) => ({
      ...r.body,
      at: new Date(r.at).toISOString(),
      auditSeq: Number(r.seq),
    })),
    nextCursor: rows.length > opts.limit ? Number(page.at(-1)?.seq) : null,
  };
}
