import type { Db } from "@kamiyo/db";

/** What is going wrong on one resource: its warning and critical events of a window, grouped. */
export interface Incident {
  readonly resourceId: string;
  /** The resource's kind, from its id when it was never seen as an object. */
  readonly kind: string;
  /** The service (workload) it belongs to, as an RCA query names it; null for a node. */
  readonly service: string | null;
  /** The worst severity among its events. */
  readonly severity: "warning" | "critical";
  readonly count: number;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  /** Each reason with how often it occurred, most frequent first. */
  readonly reasons: readonly { reason: string; count: number }[];
  /** The resource is tombstoned (deleted since). */
  readonly deleted: boolean;
}

export interface IncidentsQuery {
  /** Window start (inclusive). */
  readonly from: Date;
  /** Window end (exclusive). */
  readonly to: Date;
  /** At most this many resources, 1–1000 (default 200). */
  readonly limit?: number;
}

/**
 * The tenant's resources with warning or critical events in `[from, to)`, one row each: the
 * worst severity, how many events, the first and last, and their reasons. Critical first, then
 * the most recent.
 */
export async function incidentsInWindow(db: Db, q: IncidentsQuery): Promise<Incident[]> {
  const rows = await db.query<{
    resourceId: string;
    kind: string | null;
    name: string | null;
    service: string | null;
    critical: boolean;
    count: number;
    firstSeenAt: Date;
    lastSeenAt: Date;
    reasons: { reason: string; count: number }[] | string;
    deleted: boolean;
  }>(
    `WITH e AS (
       SELECT resource_id, reason, severity, occurred_at FROM rca_events
       WHERE occurred_at >= $1 AND occurred_at < $2 AND severity IN ('warning', 'critical')
     ),
     by_reason AS (SELECT resource_id, reason, count(*)::int AS n FROM e GROUP BY 1, 2),
     per_resource AS (
       SELECT resource_id, bool_or(severity = 'critical') AS critical, count(*)::int AS count,
         min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
       FROM e GROUP BY resource_id
       ORDER BY 2 DESC, 5 DESC, 1 LIMIT $3
     )
     SELECT p.resource_id AS "resourceId", r.kind, r.name, r.service, p.critical, p.count,
       p.first_seen AS "firstSeenAt", p.last_seen AS "lastSeenAt",
       coalesce(r.deleted_at IS NOT NULL, false) AS deleted,
       (SELECT jsonb_agg(jsonb_build_object('reason', b.reason, 'count', b.n)
                         ORDER BY b.n DESC, b.reason)
        FROM by_reason b WHERE b.resource_id = p.resource_id) AS reasons
     FROM per_resource p LEFT JOIN rca_resources r ON r.id = p.resource_id
     ORDER BY p.critical DESC, p.last_seen DESC, p.resource_id`,
    [q.from.toISOString(), q.to.toISOString(), Math.min(Math.max(q.limit ?? 200, 1), 1000)],
  );
  return rows.map((r) => {
    const [kindOfId = "", ...rest] = r.resourceId.split("/");
    const kind = r.kind ?? kindOfId;
    // As loadRcaInput names services: the resource's workload, else its own name (a Service,
    // or a call-graph end never seen as an object); a node belongs to none.
    const name = r.name ?? rest.at(-1) ?? r.resourceId;
    return {
      resourceId: r.resourceId,
      kind,
      service: r.service ?? (kind === "node" ? null : name),
      severity: r.critical ? "critical" : "warning",
      count: r.count,
      firstSeenAt: r.firstSeenAt,
      lastSeenAt: r.lastSeenAt,
      reasons: typeof r.reasons === "string" ? JSON.parse(r.reasons) : r.reasons,
      deleted: r.deleted,
    };
  });
}
