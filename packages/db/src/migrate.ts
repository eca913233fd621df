import { readdirSync, readFileSync } from "node:fs";
import { AppError } from "@kamiyo/core";
import type { Db, Queryable } from "./db.ts";

/** Arbitrary constant naming the migration lock. */
const LOCK_ID = 7_031_986;

/** The module name of the platform's own migrations (this package's `migrations/`). */
export const PLATFORM = "platform";

/**
 * Where a product module keeps its migrations: a folder of `NNNN_name.sql` files, versioned on
 * their own (a module's 0001 is not the platform's 0001).
 */
export interface MigrationSource {
  /** The module's id, recorded with each version it applied. */
  module: string;
  dir: URL;
}

export interface Migration {
  module: string;
  version: number;
  name: string;
  sql: string;
}

const PLATFORM_SOURCE: MigrationSource = {
  module: PLATFORM,
  dir: new URL("./migrations/", import.meta.url),
};

/**
 * Platform tables that carry a `tenant_id` but hold public data (every tenant reads the
 * monitor's findings and history). Only the platform's own migrations may make such tables: a
 * module's migration that leaves a table with a `tenant_id` outside forced row-level security
 * is refused.
 */
export const PUBLIC_TENANT_TABLES: readonly string[] = [
  "findings",
  "vault_states",
  "vault_pnl",
  "vault_portfolios",
  "market_samples",
  "liquidations",
  "ml_models",
];

function readSource(source: MigrationSource): Migration[] {
  if (!/^[a-z][a-z0-9_]*$/.test(source.module))
    throw new AppError("config_invalid", `migration module "${source.module}": expected [a-z0-9_]`);
  return readdirSync(source.dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      module: source.module,
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(new URL(file, source.dir), "utf8"),
    }));
}

/**
 * The migrations shipped with the code: the platform's, then each module's in the order given,
 * each in version order.
 * @throws AppError("config_invalid") when two sources share a module id.
 */
export function loadMigrations(modules: readonly MigrationSource[] = []): Migration[] {
  const seen = new Set<string>();
  const out: Migration[] = [];
  for (const source of [PLATFORM_SOURCE, ...modules]) {
    if (seen.has(source.module))
      throw new AppError("config_invalid", `two migration sources named "${source.module}"`);
    seen.add(source.module);
    out.push(...readSource(source));
  }
  return out;
}

/**
 * Applies pending migrations, the platform's and those of `modules`, in one transaction, under an advisory lock so that several
 * processes starting at once apply each migration exactly once. Versions are recorded per module.
 * A module's versions in the database that the code does not have are refused only for the modules
 * given (an install that stopped composing a module keeps its tables and starts).
 * @returns the migrations applied now, as "module/version".
 * @throws AppError("config_invalid") when the database holds a migration this code does not know,
 *   or a module's migration leaves a tenant table outside forced row-level security.
 */
export async function migrate(db: Db, modules: readonly MigrationSource[] = []): Promise<string[]> {
  const migrations = loadMigrations(modules);
  const composed = new Set([PLATFORM, ...modules.map((m) => m.module)]);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
    await ensureLedger(tx);
    const rows = await tx.query<{ module: string; version: number }>(
      "SELECT module, version FROM schema_migrations",
    );
    const done = new Set(rows.map((r) => `${r.module}/${r.version}`));
    const known = new Set(migrations.map((m) => `${m.module}/${m.version}`));
    const unknown = rows
      .filter((r) => composed.has(r.module) && !known.has(`${r.module}/${r.version}`))
      .map((r) => (r.module === PLATFORM ? String(r.version) : `${r.module}/${r.version}`));
    if (unknown.length > 0) {
      throw new AppError(
        "config_invalid",
        `the database has migrations this version does not know (${unknown.join(", ")}); upgrade kamiyo`,
      );
    }
    for (const m of migrations) {
      const id = `${m.module}/${m.version}`;
      if (done.has(id)) continue;
      await tx.exec(m.sql);
      if (m.module !== PLATFORM) await refuseOpenTenantTables(tx, id);
      await tx.query("INSERT INTO schema_migrations (module, version, name) VALUES ($1, $2, $3)", [
        m.module,
        m.version,
        m.name,
      ]);
      applied.push(id);
    }
  });
  return applied;
}

/**
 * Creates the ledger of applied migrations, or brings one from before modules (versions only,
 * all the platform's) to versions per module.
 */
async function ensureLedger(tx: Queryable): Promise<void> {
  await tx.exec(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       module text NOT NULL DEFAULT 'platform',
       version integer NOT NULL,
       name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (module, version)
     )`,
  );
  const [perModule] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
       AND column_name = 'module'`,
  );
  if (perModule?.n) return;
  await tx.exec(
    `ALTER TABLE schema_migrations ADD COLUMN module text NOT NULL DEFAULT 'platform';
     ALTER TABLE schema_migrations DROP CONSTRAINT schema_migrations_pkey;
     ALTER TABLE schema_migrations ADD PRIMARY KEY (module, version)`,
  );
}

/** Refuses a module migration after which a table with a `tenant_id` escapes forced RLS. */
async function refuseOpenTenantTables(tx: Queryable, id: string): Promise<void> {
  const open = await tx.query<{ name: string }>(
    `SELECT c.relname AS name
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute att ON att.attrelid = c.oid AND att.attname = 'tenant_id' AND NOT att.attisdropped
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
       AND NOT (c.relname = ANY($1::text[]))`,
    [PUBLIC_TENANT_TABLES],
  );
  if (open.length > 0)
    throw new AppError(
      "config_invalid",
      `migration ${id} leaves ${open.map((t) => t.name).join(", ")} with a tenant_id and no forced row-level security (ENABLE and FORCE ROW LEVEL SECURITY, policies as in the platform's 0009)`,
    );
}
