import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGLITE_TEMPLATE_ENV, writePgliteTemplate } from "./test-db.ts";

/**
 * Vitest global setup: migrates one PGlite database per run and leaves its dump for every test
 * file's `createTestDb` to clone (test workers inherit the environment set here).
 * @returns the teardown, which removes the dump.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-test-"));
  const file = join(dir, "pglite-template.tar");
  await writePgliteTemplate(file);
  process.env[PGLITE_TEMPLATE_ENV] = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
