import { randomBytes } from "node:crypto";
import { type Db, migrate, PgliteDb, PostgresDb } from "@kamiyo/db";

/**
 * A migrated, empty database for one test file: in-memory PGlite by default, or a fresh schema
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again on close).
 */
export async function createTestDb(): Promise<Db> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const db = await PgliteDb.open(null);
    await migrate(db);
    return db;
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = await PostgresDb.open({ url, poolSize: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = await PostgresDb.open({ url, schema, poolSize: 4 });
  await migrate(db);
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

/** "pglite" or "postgres": which database the suite is running on. */
export const testDbKind: "pglite" | "postgres" = process.env.TEST_DATABASE_URL
  ? "postgres"
  : "pglite";
