import type { Db } from "@kamiyo/db";

/** An agent's health report as it arrives. */
export interface AgentReportRow {
  agent: string;
  cluster?: string;
  version: string;
  startedAt: Date;
  stopping?: boolean;
  health: Record<string, unknown>;
}

/** An agent as the tenant's last report from it left it. */
export interface StoredAgent {
  agent: string;
  cluster: string | null;
  version: string;
  startedAt: Date;
  lastSeenAt: Date;
  stopped: boolean;
  health: Record<string, unknown>;
}

/** Keeps an agent's latest report (one row per agent name), in the tenant's view. */
export async function recordAgentReport(db: Db, r: AgentReportRow, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO rca_agents (tenant_id, agent, cluster, version, started_at, last_seen_at,
                             stopped, health)
     VALUES (current_setting('app.tenant_id', true), $1, $2, $3, $4, $5, $6, $7::jsonb)
     ON CONFLICT (tenant_id, agent) DO UPDATE
       SET cluster = EXCLUDED.cluster, version = EXCLUDED.version,
           started_at = EXCLUDED.started_at, last_seen_at = EXCLUDED.last_seen_at,
           stopped = EXCLUDED.stopped, health = EXCLUDED.health`,
    [
      r.agent,
      r.cluster ?? null,
      r.version,
      r.startedAt.toISOString(),
      at.toISOString(),
      r.stopping ?? false,
      JSON.stringify(r.health),
    ],
  );
}

/** The tenant's agents, by cluster and name. */
export async function listAgents(db: Db): Promise<StoredAgent[]> {
  const rows = await db.query<{
    agent: string;
    cluster: string | null;
    version: string;
    started_at: Date;
    last_seen_at: Date;
    stopped: boolean;
    health: Record<string, unknown>;
  }>(
    `SELECT agent, cluster, version, started_at, last_seen_at, stopped, health
     FROM rca_agents ORDER BY cluster NULLS FIRST, agent`,
  );
  return rows.map((r) => ({
    agent: r.agent,
    cluster: r.cluster,
    version: r.version,
    startedAt: r.started_at,
    lastSeenAt: r.last_seen_at,
    stopped: r.stopped,
    health: r.health,
  }));
}
