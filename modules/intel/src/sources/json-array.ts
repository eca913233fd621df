import type { ParseIssue, SourceId } from "../types.ts";

/**
 * The rows of a source's JSON array, or the one issue (at `file`) that makes the whole text
 * unreadable: not JSON at all, or JSON that is not an array of `what`.
 */
export function readJsonArray(
  json: string,
  source: SourceId,
  what: string,
): { rows: unknown[] } | { issue: ParseIssue } {
  let rows: unknown;
  try {
    rows = JSON.parse(json);
  } catch (err) {
    return { issue: { source, at: "file", message: `not valid JSON: ${(err as Error).message}` } };
  }
  if (!Array.isArray(rows))
    return { issue: { source, at: "file", message: `expected a JSON array of ${what}` } };
  return { rows };
}
