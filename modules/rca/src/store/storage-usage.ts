import type { Db } from "@kamiyo/db";

/** The tables a tenant's RCA data lives in (not the pods' label lookup, an index of ours). */
const TABLES = ["rca_resources", "rca_relations", "rca_events", "rca_analyses", "rca_agents"];

/**
 * What a tenant's RCA data takes, bytes: the stored size of its rows in every RCA table
 * (`pg_column_size` of each row, as PostgreSQL stores it, compressed values as compressed), read
 * in the tenant's view. Indexes and free space are the platform's overhead, not billed.
 */
export async function tenantStorageBytes(db: Db): Promise<number> {
  const [row] = await db.query<{ bytes: string }>(
    `SELECT (${TABLES.map((t) => `(SELECT coalesce(sum(pg_column_size(x.*)), 0) FROM ${t} x)`).join(" + ")})::text AS bytes`,
  );
  return Number(row?.bytes ?? 0);
}

/** Tenants with RCA data (the platform's view: every tenant's rows). */
export async function tenantsWithRcaData(db: Db): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM rca_resources
     UNION SELECT DISTINCT tenant_id FROM rca_events
     UNION SELECT DISTINCT tenant_id FROM rca_analyses`,
  );
  return rows.map((r) => r.tenant_id);
}
