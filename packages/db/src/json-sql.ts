/**
 * SQL that builds API JSON in the database, for list routes whose pages pass through the API as
 * text: one way to write a time, and the shape a page arrives in.
 */

/** A timestamptz expression as ISO 8601 UTC with milliseconds (`Date#toISOString`), or null. */
export function isoUtc(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A page serialised by the database. */
export interface JsonPage {
  /** The page's items as JSON objects joined by commas ("" for none). */
  items: string;
  /** The keyset position of the page's last item when more items follow, else null. */
  next: string | null;
}
