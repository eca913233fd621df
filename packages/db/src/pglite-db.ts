import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Db, Queryable } from "./db.ts";

const INT8 = 20;

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
    const pg = await PGlite.create({ dataDir: dataDir ?? undefined, parsers: { [INT8]: Number } });
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
