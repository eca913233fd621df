import { createHash } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openAsBlob,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadMigrations, type MigrationSource, migrate } from "./migrate.ts";
import { PgliteDb } from "./pglite-db.ts";

/**
 * The file in `cacheDir` holding a migrated, empty embedded database for this code's migrations,
 * the platform's and those of `modules` (its name carries their hash, so a new migration makes a
 * new file). Written on first use.
 * @returns its path.
 */
export async function migratedTemplate(
  cacheDir: string,
  modules: readonly MigrationSource[] = [],
): Promise<string> {
  const migrations = loadMigrations(modules);
  const hash = createHash("sha256");
  for (const m of migrations) hash.update(`${m.module}\0${m.version}\0${m.sql}\0`);
  const file = join(cacheDir, `pglite-migrated-${hash.digest("hex").slice(0, 16)}.tar`);
  if (existsSync(file)) return file;
  const db = await PgliteDb.open(null);
  try {
    await migrate(db, modules);
    const dump = Buffer.from(await (await db.dump()).arrayBuffer());
    mkdirSync(cacheDir, { recursive: true });
    // Written aside, then linked in place only if no other process was first: a concurrent
    // reader never sees half a file, and a template being read is never replaced under it (a
    // Blob opened on a file that changed can no longer be read).
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, dump);
    try {
      linkSync(part, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      rmSync(part, { force: true });
    }
  } finally {
    await db.close();
  }
  return file;
}

/**
 * A migrated, empty embedded database in memory, cloned from the cached template in `cacheDir`
 * (about 0.5–2 s and 440 MB resident, where initialising a new one takes 3–12 s and up to
 * 700 MB; the first call pays that once to write the template).
 */
export async function openMigratedInMemory(
  cacheDir: string,
  modules: readonly MigrationSource[] = [],
): Promise<PgliteDb> {
  const db = await PgliteDb.fromDump(await openAsBlob(await migratedTemplate(cacheDir, modules)));
  try {
    await migrate(db, modules);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * A migrated, empty embedded database for one run (a replay's store), in a new directory under the
 * system's temporary directory that `close()` removes: cloned like `openMigratedInMemory`, but the
 * rows written go to disk rather than stay in memory.
 */
export async function openMigratedTemporary(
  cacheDir: string,
  modules: readonly MigrationSource[] = [],
): Promise<PgliteDb> {
  const template = await openAsBlob(await migratedTemplate(cacheDir, modules));
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-run-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let db: PgliteDb;
  try {
    db = await PgliteDb.fromDump(template, join(dir, "data"));
    await migrate(db, modules);
  } catch (err) {
    remove();
    throw err;
  }
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      try {
        await close();
      } finally {
        remove();
      }
    },
  });
}

/**
 * Makes `dataDir` (new or empty) a migrated, empty embedded data directory, cloned from the cached
 * template in `cacheDir` rather than initialised.
 */
export async function createMigratedDataDir(
  cacheDir: string,
  dataDir: string,
  modules: readonly MigrationSource[] = [],
): Promise<void> {
  const template = await openAsBlob(await migratedTemplate(cacheDir, modules));
  await (await PgliteDb.fromDump(template, dataDir)).close();
}
