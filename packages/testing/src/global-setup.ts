import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migratedTemplate } from "@kamiyo/db";
import { PGLITE_CACHE_ENV } from "./test-db.ts";

/**
 * Vitest global setup: migrates one PGlite database per run and leaves its dump for every test
 * file's `createTestDb` to clone (test workers inherit the environment set here).
 * @returns the teardown, which removes it.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-test-"));
  await migratedTemplate(dir);
  process.env[PGLITE_CACHE_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
