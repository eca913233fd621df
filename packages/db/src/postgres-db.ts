import pg from "pg";
import type { Db, Queryable } from "./db.ts";

const INT8 = 20;

/** Options of {@link PostgresDb.open}. */
export interface PostgresOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** Schema put first on the search path (tests isolate themselves this way). */
  schema?: string;
  /** Pool size. Default 10. */
  poolSize?: number;
}

/** PostgreSQL through a `pg` connection pool. */
export class PostgresDb implements Db {
  readonly kind = "postgres" as const;
  readonly description: string;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool, description: string) {
    this.#pool = pool;
    this.description = description;
  }

  /** Connects and checks the server answers. */
  static async open(options: PostgresOptions): Promise<PostgresDb> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      options: options.schema ? `-c search_path=${options.schema},public` : undefined,
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8
            ? Number
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client that errors (server restart) must not crash the process.
    pool.on("error", () => {});
    const db = new PostgresDb(pool, `PostgreSQL at ${describeUrl(options.url)}`);
    await db.query("SELECT 1");
    return db;
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<R[]> {
    const res = await this.#pool.query(sql, params as unknown[]);
    return res.rows as R[];
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return {
      total: this.#pool.totalCount,
      idle: this.#pool.idleCount,
      waiting: this.#pool.waitingCount,
    };
  }

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      });
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** host:port/database of a connection string, never the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
