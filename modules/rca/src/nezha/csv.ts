import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** A CSV file as a header and rows of cells (no quoting: Nezha's files have none). */
export interface Csv {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** `path` or `path.gz` exists. */
export function csvExists(path: string): boolean {
  return existsSync(path) || existsSync(`${path}.gz`);
}

/** Reads `path`, or `path.gz` when only the gzipped copy exists. Throws when neither does. */
export function readText(path: string): string {
  if (existsSync(path)) return readFileSync(path, "utf8");
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`)).toString("utf8");
  throw new Error(`${path} not found (nor ${path}.gz)`);
}

/** Parses a comma-separated file; blank lines are dropped. */
export function readCsv(path: string): Csv {
  const lines = readText(path)
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const [head, ...rest] = lines;
  return { header: (head ?? "").split(","), rows: rest.map((l) => l.split(",")) };
}

/** A cell as a number: NaN for an empty or unparsable cell. */
export function num(cell: string | undefined): number {
  if (cell === undefined || cell === "") return Number.NaN;
  return Number(cell);
}
