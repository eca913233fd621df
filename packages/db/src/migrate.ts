import { readdirSync, readFileSync } from "node:fs";
import { AppError } from "@kamiyo/core";
import type { Db } from "./db.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
/** Arbitrary constant naming the migration lock. */
const LOCK_ID = 7_031_986;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migrations shipped with the code: `NNNN_name.sql`, applied in version order. */
export function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), "utf8"),
    }));
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock so that
 * several processes starting at once apply each migration exactly once.
 * @returns the versions applied now.
 * @throws AppError("config_invalid") when the database holds a migration this code does not know.
 */
export async function migrate(
  db: Db,
  migrations: Migration[] = loadMigrations(),
): Promise<number[]> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version integer PRIMARY KEY,
       name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const applied: number[] = [];
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
    const rows = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    const known = new Set(migrations.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new AppError(
        "config_invalid",
        `the database has migrations this version does not know (${unknown.join(", ")}); upgrade kamiyo`,
      );
    }
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
  });
  return applied;
}
