import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository's `fixtures/` directory. */
export const FIXTURES_DIR = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

/** Absolute path of a file under `fixtures/`. */
export function fixturePath(...parts: string[]): string {
  return `${FIXTURES_DIR}${parts.join("/")}`;
}

/** Parsed JSON of a fixture file. */
export function readFixtureJson(...parts: string[]): unknown {
  return JSON.parse(readFileSync(fixturePath(...parts), "utf8"));
}
