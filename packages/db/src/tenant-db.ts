import type { Db, Queryable } from "./db.ts";

/** The role a tenant's transactions run as (created by migration 0009; see that file). */
export const APP_ROLE = "kamiyo_app";

/**
 * The database as one tenant sees it: every statement and transaction runs inside a transaction
 * that first switches to the non-owner role `kamiyo_app` and sets `app.tenant_id`, so
 * PostgreSQL's row-level security, not the query's own filter, keeps other tenants' rows out
 * (and refuses writes of them). Both settings are transaction-local: the connection returns to
 * the pool as it was.
 */
export function tenantDb(db: Db, tenantId: string): Db {
  const scoped = <T>(fn: (tx: Queryable) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.query("SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)", [
        tenantId,
        APP_ROLE,
      ]);
      return fn(tx);
    });
  return {
    kind: db.kind,
    description: db.description,
    poolStats: () => db.poolStats(),
    query: (sql, params) => scoped((tx) => tx.query(sql, params)),
    exec: (sql) => scoped((tx) => tx.exec(sql)),
    transaction: scoped,
    close: () => db.close(),
  };
}
