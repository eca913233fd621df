import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Db,
  describeUrl,
  type MigrationSource,
  migrate,
  PgliteDb,
  PostgresDb,
} from "@kamiyo/db";

/** A fresh, migrated database for one bench part, what it is, and how to remove it. */
export interface BenchDb {
  db: Db;
  /** "PostgreSQL at host:port/db" or "embedded PGlite", for the results table. */
  storage: string;
  /** Closes it and removes what it made (the schema, or the data folder). */
  close(): Promise<void>;
  /** How a child process opens the same database: `pglite <dir>` or `postgres <url> <schema>`. */
  childArgs: string[];
  /**
   * Lends the database to a child process (PGlite's folder has one user at a time: this closes
   * `db` until `resume`, which opens it again; PostgreSQL needs neither).
   */
  lend(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * A new schema `bench_<part>_<random>` on the PostgreSQL at `url`, or a new PGlite folder when
 * `url` is undefined, migrated with the platform's tables and `modules`'.
 */
export async function openBenchDb(
  part: string,
  url: string | undefined,
  modules: readonly MigrationSource[] = [],
): Promise<BenchDb> {
  let bench: BenchDb;
  if (url) {
    const schema = `bench_${part}_${randomBytes(4).toString("hex")}`;
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = await PostgresDb.open({ url, schema, poolSize: 2 });
    bench = {
      db,
      storage: `PostgreSQL at ${describeUrl(url)}`,
      childArgs: ["postgres", url, schema],
      lend: async () => {},
      resume: async () => {},
      close: async () => {
        await db.close();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.close();
      },
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), `kamiyo-bench-${part}-`));
    let db: Db | null = await PgliteDb.open(dir);
    bench = {
      get db() {
        if (!db) throw new Error("the database is lent to a child process");
        return db;
      },
      storage: "embedded PGlite",
      close: async () => {
        await db?.close();
        rmSync(dir, { recursive: true, force: true });
      },
      childArgs: ["pglite", dir],
      lend: async () => {
        await db?.close();
        db = null;
      },
      resume: async () => {
        db ??= await PgliteDb.open(dir);
      },
    };
  }
  await migrate(bench.db, modules);
  return bench;
}
