import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Db, PgliteDb, PostgresDb } from "@kamiyo/db";

const BIN = fileURLToPath(new URL("../../bin/kamiyo.js", import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Storage for tests that run the real `kamiyo` bin, and the way to run it on that storage. */
export interface CliStorage {
  /** A scratch directory (the PGlite data directory lives inside it), removed by `close`. */
  dir: string;
  /** Opens the bin's database from the test (close it before running the bin on PGlite). */
  open(): Promise<Db>;
  /** Runs `kamiyo args…` with the storage's environment plus `env`. */
  run(args: string[], env?: Record<string, string>): Promise<CliRun>;
  close(): Promise<void>;
}

/**
 * A PGlite data directory, or with TEST_DATABASE_URL a fresh PostgreSQL schema (passed to the bin
 * as `search_path` in DATABASE_URL), dropped again by `close`.
 */
export async function cliStorage(prefix: string): Promise<CliStorage> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const url = process.env.TEST_DATABASE_URL;
  let env: Record<string, string | undefined>;
  let open: () => Promise<Db>;
  let drop = async () => {};
  if (url) {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const u = new URL(url);
    u.searchParams.set("options", `-c search_path=${schema},public`);
    env = { DATABASE_URL: u.toString() };
    open = () => PostgresDb.open({ url, schema, poolSize: 2 });
    drop = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    };
  } else {
    env = { KAMIYO_DATA_DIR: join(dir, "data"), DATABASE_URL: undefined };
    open = () => PgliteDb.open(join(dir, "data"));
  }
  return {
    dir,
    open,
    run: (args, extra = {}) =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [BIN, ...args],
          { env: { ...process.env, LOG_LEVEL: "warn", ...env, ...extra }, timeout: 60_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    async close() {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
