import type { Queryable } from "./db.ts";

/** PostgreSQL's limit on bind parameters per statement. */
const MAX_PARAMS = 65_535;

/**
 * Inserts rows with one multi-row statement per chunk.
 * @param suffix SQL after VALUES, e.g. an ON CONFLICT clause.
 */
export async function insertRows(
  q: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  suffix = "",
): Promise<void> {
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${marks.join(", ")})`;
    });
    await q.query(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")} ${suffix}`,
      params,
    );
  }
}
