import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Db, Queryable } from "./db.ts";

const INT8 = 20;

/**
 * Postgres settings for the embedded database: the defaults size buffers for a server
 * (128 MB shared buffers), which PGlite keeps in WASM memory for the life of the process.
 * Measured on a reopened data directory: about 400 MB resident with the defaults, about
 * 306 MB with these (scripts in the README's performance section).
 */
const START_PARAMS = [
  "-c",
  "shared_buffers=16MB",
  "-c",
  "work_mem=4MB",
  "-c",
  "temp_buffers=4MB",
  "-c",
  "wal_buffers=1MB",
  "-c",
  "min_wal_size=32MB",
  "-c",
  "max_wal_size=64MB",
];

/** Embedded PostgreSQL (WASM, in process). Data persist in `dataDir`, or in memory when it is null. */
export class PgliteDb implements Db {
  readonly kind = "pglite" as const;
  readonly description: string;
  readonly #pg: PGlite;

  private constructor(pg: PGlite, description: string) {
    this.#pg = pg;
    this.description = description;
  }

  /** Opens (creating if needed) the data directory. */
  static async open(dataDir: string | null): Promise<PgliteDb> {
    if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
    const pg = await PGlite.create({
      dataDir: dataDir ?? undefined,
      parsers: { [INT8]: Number },
      startParams: [...PGlite.defaultStartParams, ...START_PARAMS],
    });
    return new PgliteDb(
      pg,
      dataDir === null ? "embedded PGlite (in memory)" : `embedded PGlite at ${dataDir}`,
    );
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<R[]> {
    const res = await this.#pg.query<R>(sql, params as unknown[]);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.#pg.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#pg.transaction((tx) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.#pg.closed) await this.#pg.close();
  }
}
