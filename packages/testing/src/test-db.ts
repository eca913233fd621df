import { randomBytes } from "node:crypto";
import { openAsBlob } from "node:fs";
import { writeFile } from "node:fs/promises";
import { type Db, migrate, PgliteDb, PostgresDb } from "@kamiyo/db";

/**
 * Where the test run's migrated PGlite template lies (a `PgliteDb.dump()` tarball written once per
 * run by `global-setup.ts`); unset when a file runs outside that setup.
 */
export const PGLITE_TEMPLATE_ENV = "TEST_PGLITE_TEMPLATE";

/**
 * A migrated, empty database for one test file: in-memory PGlite by default (a clone of the run's
 * migrated template, or migrated here without one), or a fresh schema on the PostgreSQL server
 * named by TEST_DATABASE_URL (dropped again on close).
 */
export async function createTestDb(): Promise<Db> {
  if (process.env.TEST_PROJECT === "unit")
    throw new Error(
      "a unit test opened a database: name the file *.db.test.ts so it runs in the db project, on both engines",
    );
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const template = process.env[PGLITE_TEMPLATE_ENV];
    if (template) return PgliteDb.fromDump(await openAsBlob(template));
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

/** Writes a migrated PGlite template to `file`, for `createTestDb` to clone. */
export async function writePgliteTemplate(file: string): Promise<void> {
  const db = await PgliteDb.open(null);
  try {
    await migrate(db);
    await writeFile(file, Buffer.from(await (await db.dump()).arrayBuffer()));
  } finally {
    await db.close();
  }
}

/** "pglite" or "postgres": which database the suite is running on. */
export const testDbKind: "pglite" | "postgres" = process.env.TEST_DATABASE_URL
  ? "postgres"
  : "pglite";
