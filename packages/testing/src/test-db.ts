import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Db,
  type MigrationSource,
  migrate,
  openMigratedInMemory,
  PostgresDb,
} from "@kamiyo/db";

/**
 * The directory of the test run's migrated PGlite template (`migratedTemplate`), made once per run
 * by `global-setup.ts`; unset when a file runs outside that setup (then a temporary one is used).
 */
export const PGLITE_CACHE_ENV = "TEST_PGLITE_CACHE";

/**
 * A migrated, empty database for one test file: in-memory PGlite cloned from the run's migrated
 * template by default, or a fresh schema on the PostgreSQL server named by TEST_DATABASE_URL
 * (dropped again on close). `modules` adds product modules' migrations after the platform's (a
 * template per set of migrations, made on first use).
 * @throws Error in the unit project: a test that opens a database is a `*.db.test.ts`.
 */
export async function createTestDb(
  options: { modules?: readonly MigrationSource[] } = {},
): Promise<Db> {
  const modules = options.modules ?? [];
  if (process.env.TEST_PROJECT === "unit")
    throw new Error(
      "a unit test opened a database: name the file *.db.test.ts so it runs in the db project, on both engines",
    );
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return openMigratedInMemory(testCacheDir(), modules);
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = await PostgresDb.open({ url, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = await PostgresDb.open({ url, schema, poolSize: 4 });
  await migrate(db, modules);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      const cleanup = await PostgresDb.open({ url, poolSize: 1 });
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.close();
    },
  });
}

/** Where test databases' template lives: the run's, or the system's temporary directory. */
export function testCacheDir(): string {
  return process.env[PGLITE_CACHE_ENV] ?? join(tmpdir(), "kamiyo-test-cache");
}

/** "pglite" or "postgres": which database the suite is running on. */
export const testDbKind: "pglite" | "postgres" = process.env.TEST_DATABASE_URL
  ? "postgres"
  : "pglite";

/** `db` for a command that closes the database it opens: its close leaves the test's open. */
export function unclosable(db: Db): Db {
  return {
    kind: db.kind,
    description: db.description,
    poolStats: () => db.poolStats(),
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: async () => {},
  };
}
