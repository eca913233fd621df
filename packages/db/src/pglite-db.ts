import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { DataDirLock } from "./data-dir-lock.ts";
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

/**
 * PGlite runs no autovacuum, so nothing refreshes the planner's statistics on its own; without
 * them a filtered list over a million findings was planned as a scan of every row (409 ms, 0.34 ms
 * after ANALYZE). They are refreshed when the database opens and then at this interval.
 */
const ANALYZE_EVERY_MS = 10 * 60_000;

/** Embedded PostgreSQL (WASM, in process). Data persist in `dataDir`, or in memory when it is null. */
/**
 * Kamiyo's own files in a data directory, beside PostgreSQL's: the lock, and the embedded
 * install's key ring (apps/cli/src/secret-keys.ts). A directory holding only these is new.
 */
const OWN_FILES: ReadonlySet<string> = new Set(["kamiyo.lock", "secret-keys"]);

export class PgliteDb implements Db {
  readonly kind = "pglite" as const;
  readonly description: string;
  readonly #pg: PGlite;
  readonly #analyze: NodeJS.Timeout;
  readonly #lock: DataDirLock | null;

  private constructor(pg: PGlite, description: string, lock: DataDirLock | null) {
    this.#pg = pg;
    this.#lock = lock;
    this.description = description;
    this.#analyze = setInterval(() => void this.analyze().catch(() => {}), ANALYZE_EVERY_MS);
    this.#analyze.unref();
  }

  /** Refreshes the planner's statistics of every table (PostgreSQL's autovacuum does this itself). */
  async analyze(): Promise<void> {
    if (!this.#pg.closed) await this.#pg.exec("ANALYZE");
  }

  /**
   * Opens (creating if needed) the data directory. A new directory is initialised, closed and
   * opened again: initialising grows the WASM memory to about 650 MB, which a running process
   * would otherwise keep for its whole life (a reopened directory needs about 300 MB).
   */
  static async open(dataDir: string | null): Promise<PgliteDb> {
    const fresh =
      dataDir !== null &&
      (!existsSync(dataDir) || readdirSync(dataDir).every((f) => OWN_FILES.has(f)));
    if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
    const lock = dataDir === null ? null : DataDirLock.acquire(dataDir);
    try {
      if (fresh) await (await PgliteDb.#create(dataDir)).close();
      const db = new PgliteDb(
        await PgliteDb.#create(dataDir),
        dataDir === null ? "embedded PGlite (in memory)" : `embedded PGlite at ${dataDir}`,
        lock,
      );
      await db.analyze();
      return db;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /**
   * A database started from another's `dump()`: about 0.5 s instead of the 2–4 s of initialising a
   * new cluster, which is how tests and replays clone one migrated template. In memory, or in
   * `scratchDir` (a new, empty directory nobody else uses: it is not locked), which keeps the data
   * written out of the process's memory.
   */
  static async fromDump(dump: Blob, scratchDir: string | null = null): Promise<PgliteDb> {
    return new PgliteDb(
      await PgliteDb.#create(scratchDir, dump),
      scratchDir === null
        ? "embedded PGlite (in memory)"
        : `embedded PGlite (temporary, at ${scratchDir})`,
      null,
    );
  }

  /** The whole data directory as an uncompressed tarball, for `fromDump`. */
  dump(): Promise<Blob> {
    return this.#pg.dumpDataDir("none");
  }

  static #create(dataDir: string | null, loadDataDir?: Blob): Promise<PGlite> {
    return PGlite.create({
      dataDir: dataDir ?? undefined,
      loadDataDir,
      parsers: { [INT8]: Number },
      startParams: [...PGlite.defaultStartParams, ...START_PARAMS],
    });
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
  ): Promise<R[]> {
    const res = await this.#pg.query<R>(sql, params as unknown[]);
    return res.rows;
  }

  poolStats(): null {
    return null;
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
    clearInterval(this.#analyze);
    if (!this.#pg.closed) await this.#pg.close();
    this.#lock?.release();
  }
}
