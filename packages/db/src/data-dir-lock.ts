import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = "SQLite format 3\u0000";

/**
 * Holds a data directory for one process: PGlite is PostgreSQL in one process, and two processes
 * writing one directory would corrupt it.
 *
 * The lock is `kamiyo.lock`, a small SQLite file in which the holder keeps a write transaction
 * open (`BEGIN IMMEDIATE`: an advisory `fcntl` lock on the file, taken through Node's built-in
 * `node:sqlite`). The kernel releases it when the process ends, however it ends (SIGKILL, an OOM
 * kill, a crash), so a dead holder never blocks the next start, whatever its pid was and whoever
 * has that pid now (a container's server is always PID 1). The holder's pid is committed in the
 * file only to name it in the refusal. The file is never deleted: a process that deleted it could
 * let two others lock two different files.
 */
export class DataDirLock {
  readonly #db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Takes the data directory `dataDir` (which must exist) for this process.
   * @throws Error naming the process that holds it (this one included).
   */
  static acquire(dataDir: string): DataDirLock {
    const path = join(dataDir, "kamiyo.lock");
    removeLegacyPidFile(path, dataDir);
    const db = new DatabaseSync(path, { timeout: 0 });
    try {
      db.exec("PRAGMA journal_mode = DELETE");
      lock(db, dataDir);
      db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)");
      db.exec("DELETE FROM holder");
      db.prepare("INSERT INTO holder (pid, since) VALUES (?, ?)").run(
        process.pid,
        new Date().toISOString(),
      );
      db.exec("COMMIT");
      // Held from here until release() or the end of the process. Another process may take the
      // lock between the commit and this line: then it holds the directory and this one refuses.
      lock(db, dataDir);
      return new DataDirLock(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Lets the directory go (the file stays). */
  release(): void {
    if (!this.#db.isOpen) return;
    if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
    this.#db.close();
  }
}

/** Begins the write transaction that is the lock. @throws Error naming the holder when busy. */
function lock(db: DatabaseSync, dataDir: string): void {
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (err) {
    if ((err as { errcode?: number }).errcode !== 5) throw err; // SQLITE_BUSY
    const holder = holderPid(db);
    const who =
      holder === null
        ? "another process"
        : `process ${holder}${holder === process.pid ? " (this one)" : ""}`;
    throw new Error(
      `the data directory ${dataDir} is in use by ${who}: stop it first, or share a PostgreSQL database through DATABASE_URL`,
    );
  }
}

function holderPid(db: DatabaseSync): number | null {
  try {
    const row = db.prepare("SELECT pid FROM holder LIMIT 1").get() as { pid: number } | undefined;
    return row ? Number(row.pid) : null;
  } catch {
    return null;
  }
}

/**
 * Versions before this lock wrote their pid into `kamiyo.lock` as text. Such a file is removed
 * unless the pid is a live process other than this one (then an older Kamiyo may be running).
 * @throws Error naming that process.
 */
function removeLegacyPidFile(path: string, dataDir: string): void {
  if (!existsSync(path)) return;
  const head = readFileSync(path).subarray(0, SQLITE_HEADER.length).toString("latin1");
  if (head.length === 0 || head === SQLITE_HEADER) return;
  const pid = Number(readFileSync(path, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
    throw new Error(
      `the data directory ${dataDir} may be in use by process ${pid} (an older Kamiyo's lock file): stop it, or delete ${path} if it is not Kamiyo`,
    );
  rmSync(path, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
