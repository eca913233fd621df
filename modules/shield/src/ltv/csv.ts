import { DECIMAL_PATTERN } from "@kamiyo/core";

/** A CSV row and the line of the file it came from (1-based, the header is line 1). */
export interface CsvRow {
  readonly line: number;
  readonly cells: readonly string[];
}

/** A parsed CSV file: its header's cells and its data rows. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** Bad input at a line of a file; the message starts with "line N: ". */
export class CsvLineError extends Error {
  override name = "CsvLineError";
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * Parses comma-separated text: LF or CRLF line ends, with or without a final newline, a leading
 * byte-order mark ignored, blank lines skipped, cells trimmed; a cell may be double-quoted (`""`
 * inside is a quote), but not span lines.
 * @throws CsvLineError for an unterminated quote or a file with no header.
 */
export function parseCsv(text: string): CsvTable {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: CsvRow[] = [];
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    rows.push({ line: i + 1, cells: splitLine(raw, i + 1) });
  }
  const [head, ...data] = rows;
  if (head === undefined) throw new CsvLineError(1, "the file is empty (expected a header)");
  return { header: head.cells, rows: data };
}

function splitLine(line: string, n: number): string[] {
  if (!line.includes('"')) return line.split(",").map((c) => c.trim());
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " ") i++;
    let cell = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new CsvLineError(n, "a quoted cell is not closed");
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else cell += line[i++];
      }
      const end = line.indexOf(",", i);
      i = end === -1 ? line.length : end;
    } else {
      const end = line.indexOf(",", i);
      cell = line.slice(i, end === -1 ? line.length : end).trim();
      i = end === -1 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++;
  }
}

/**
 * The index of the first header cell named one of `names` (compared without case), or -1.
 */
export function columnOf(header: readonly string[], names: readonly string[]): number {
  return header.findIndex((h) => names.includes(h.toLowerCase()));
}

/**
 * The cell of `row` in column `i`.
 * @throws CsvLineError when it is missing or empty.
 */
export function cellAt(row: CsvRow, i: number, header: readonly string[]): string {
  const v = row.cells[i];
  if (v === undefined || v === "")
    throw new CsvLineError(row.line, `${header[i]}: the cell is empty`);
  return v;
}

/**
 * The cell of `row` in column `i` as a number: a plain decimal (`-12.5`), no exponent.
 * @throws CsvLineError when it is missing, empty or not a decimal.
 */
export function decimalAt(row: CsvRow, i: number, header: readonly string[]): number {
  const v = cellAt(row, i, header);
  if (!DECIMAL_PATTERN.test(v))
    throw new CsvLineError(row.line, `${header[i]}: expected a decimal number, got "${v}"`);
  return Number(v);
}
