import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMigratedDataDir, type Db, PgliteDb, PostgresDb } from "@kamiyo/db";
import { testCacheDir } from "@kamiyo/testing";
import { main } from "../main.ts";
import { memoryIo } from "./memory-io.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Storage for tests of `kamiyo` commands, and the way to run them on that storage (in-process). */
export interface CliStorage {
  /** A scratch directory (the PGlite data directory lives inside it), removed by `close`. */
  dir: string;
  /** Opens the bin's database from the test (close it before running the bin on PGlite). */
  open(): Promise<Db>;
  /**
   * Runs `kamiyo args…` in-process (`main`) with the storage's environment plus `env`, and
   * `input` on standard input.
   */
  run(args: string[], env?: Record<string, string>, input?: string): Promise<CliRun>;
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
    const data = join(dir, "data");
    env = { KAMIYO_DATA_DIR: data, DATABASE_URL: undefined };
    open = () => PgliteDb.open(data);
    // A data directory cloned from the run's migrated template (initialising one takes seconds).
    await createMigratedDataDir(testCacheDir(), data);
  }
  return {
    dir,
    open,
    run: async (args, extra = {}, input) => {
      const stdio = memoryIo({ ...env, ...extra }, input);
      const code = await main(["node", "kamiyo", ...args], stdio);
      return { code, stdout: stdio.stdout, stderr: stdio.stderr };
    },
    async close() {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
