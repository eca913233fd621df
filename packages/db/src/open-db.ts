import type { Db } from "./db.ts";
import { type MigrationSource, migrate } from "./migrate.ts";
import { PgliteDb } from "./pglite-db.ts";
import { PostgresDb } from "./postgres-db.ts";

/** Where data live: a PostgreSQL URL, or else an embedded data directory (null = in memory). */
export interface StorageConfig {
  databaseUrl: string | null;
  dataDir: string | null;
}

/** Opens the configured database as it is, without migrating it. */
export async function connectDb(config: StorageConfig): Promise<Db> {
  return config.databaseUrl
    ? await PostgresDb.open({ url: config.databaseUrl })
    : await PgliteDb.open(config.dataDir);
}

/** Opens the configured database and applies pending migrations, the platform's and the modules'. */
export async function openDb(
  config: StorageConfig,
  modules: readonly MigrationSource[] = [],
): Promise<Db> {
  const db = await connectDb(config);
  try {
    await migrate(db, modules);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
