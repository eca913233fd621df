import { AppError } from "@kamiyo/core";

/**
 * A dense numeric table: `rows` observations of `cols` features, row-major (`data[i * cols + j]`
 * is row i, column j). The input type of every model in this package.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** What {@link validateMatrix} checks besides shape and finiteness. */
export interface MatrixChecks {
  /** Names the input in error messages ("training data", "observation"); default "input". */
  what?: string;
  /**
   * Reject a column whose values are all equal (fitting): it carries no information and usually
   * means a broken feature pipeline (a field that stopped updating, a default filled in).
   */
  rejectConstantColumns?: boolean;
  /** One name per column: checked against the column count and used in error messages. */
  featureNames?: readonly string[];
  /** Fewer rows than this is an error. */
  minRows?: number;
  /** The column count expected (scoring: the number of features the model was fitted on). */
  cols?: number;
}

function invalid(message: string, details: Record<string, unknown>): AppError {
  return new AppError("invalid_input", message, { details });
}

/** `column 3 ("spread_bps")` when the name is known, else `column 3`. */
export function describeColumn(col: number, featureNames?: readonly string[]): string {
  const name = featureNames?.[col];
  return name === undefined ? `column ${col}` : `column ${col} (${JSON.stringify(name)})`;
}

function describeValue(v: number): string {
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

/**
 * Throws unless every value of a row-major block is finite, naming the first bad value's row
 * and column (0-based). `firstRow` numbers the block's rows in messages.
 */
export function assertFinite(
  data: ArrayLike<number>,
  cols: number,
  what: string,
  featureNames?: readonly string[],
  firstRow = 0,
): void {
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    // v - v is 0 for finite v and NaN for NaN and ±Infinity: one comparison per value.
    if (v - v !== 0) {
      const row = firstRow + Math.floor(k / cols);
      const col = k % cols;
      throw invalid(
        `${what} row ${row}, ${describeColumn(col, featureNames)} is ${describeValue(v)}: every value must be a finite number`,
        { row, column: col, feature: featureNames?.[col], value: String(v) },
      );
    }
  }
}

/**
 * Copies an array of rows into a {@link Matrix}. Row and column numbers in messages are 0-based.
 * @throws AppError invalid_input for no rows, a row of a different length than the first
 *   ("input row 12 has 19 values, expected 20"), no columns, or a NaN/±Infinity value.
 */
export function toMatrix(rows: readonly (readonly number[])[], what = "input"): Matrix {
  const m = copyRows(rows, what);
  assertFinite(m.data, m.cols, what);
  return m;
}

function copyRows(rows: readonly (readonly number[])[], what: string): Matrix {
  if (rows.length === 0) throw invalid(`${what} has no rows`, { rows: 0 });
  const cols = rows[0]?.length ?? 0;
  if (cols === 0) throw invalid(`${what} has no columns`, { cols: 0 });
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as readonly number[];
    if (!Array.isArray(row) || row.length !== cols) {
      const got = Array.isArray(row) ? `${row.length} values` : `a ${typeof row}`;
      throw invalid(`${what} row ${i} has ${got}, expected ${cols}`, {
        row: i,
        expected: cols,
        actual: Array.isArray(row) ? row.length : undefined,
      });
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number") {
        throw invalid(`${what} row ${i}, column ${j} is a ${typeof v}, expected a number`, {
          row: i,
          column: j,
        });
      }
      data[i * cols + j] = v;
    }
  }
  return { rows: rows.length, cols, data };
}

/**
 * Row `i` of `m` as a view sharing its memory (no copy).
 * @throws AppError invalid_input when `i` is not a row index of `m`.
 */
export function rowOf(m: Matrix, i: number): Float64Array {
  if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
    throw invalid(`row ${i} is out of range: the matrix has ${m.rows} rows`, {
      row: i,
      rows: m.rows,
    });
  }
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** @throws AppError invalid_input when `m` has fewer than `min` rows, saying both numbers. */
export function assertMinRows(m: Matrix, min: number, what: string): void {
  if (m.rows < min) {
    throw invalid(`${what} has ${m.rows} rows, at least ${min} are needed`, {
      rows: m.rows,
      min,
    });
  }
}

/** @throws AppError invalid_input when `m` has not exactly `expected` columns (scoring time). */
export function assertFeatureCount(m: Matrix, expected: number, what: string): void {
  if (m.cols !== expected) {
    throw invalid(
      `${what} has ${m.cols} columns, expected ${expected} (the number of features the model was fitted on)`,
      { cols: m.cols, expected },
    );
  }
}

function assertShape(m: Matrix, what: string): void {
  const { rows, cols, data } = m;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1) {
    throw invalid(`${what} has an invalid shape ${rows} × ${cols}`, { rows, cols });
  }
  if (!(data instanceof Float64Array)) {
    throw invalid(`${what} data must be a Float64Array (row-major)`, { rows, cols });
  }
  if (data.length !== rows * cols) {
    throw invalid(
      `${what} holds ${data.length} values, expected ${rows} × ${cols} = ${rows * cols}`,
      { rows, cols, length: data.length },
    );
  }
}

function assertNoConstantColumn(m: Matrix, what: string, featureNames?: readonly string[]): void {
  const { rows, cols, data } = m;
  if (rows < 2) return;
  const varying = new Uint8Array(cols);
  let remaining = cols;
  for (let i = 1; i < rows && remaining > 0; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      if (varying[j] === 0 && data[base + j] !== data[j]) {
        varying[j] = 1;
        remaining--;
      }
    }
  }
  const col = varying.indexOf(0);
  if (col >= 0) {
    throw invalid(
      `${what} ${describeColumn(col, featureNames)} is constant (every row is ${data[col]}): a constant column carries no information and usually means a broken feature pipeline`,
      { column: col, feature: featureNames?.[col], value: data[col] },
    );
  }
}

/**
 * Checks a table before fitting or scoring and returns it as a {@link Matrix} (an array of rows is
 * copied, a Matrix is returned as is). Row and column numbers in messages are 0-based; columns are
 * also named when `featureNames` is given.
 * @throws AppError invalid_input for a ragged row, a NaN or ±Infinity value, a data length that
 *   does not match the shape, a column count other than `cols`, a featureNames list of the wrong length or with duplicates, fewer
 *   rows than `minRows`, or (with `rejectConstantColumns`) a constant column.
 */
export function validateMatrix(
  input: readonly (readonly number[])[] | Matrix,
  checks: MatrixChecks = {},
): Matrix {
  const what = checks.what ?? "input";
  const names = checks.featureNames;
  let m: Matrix;
  if (Array.isArray(input)) {
    m = copyRows(input as readonly (readonly number[])[], what);
  } else {
    m = input as Matrix;
    assertShape(m, what);
  }
  if (checks.cols !== undefined) assertFeatureCount(m, checks.cols, what);
  if (names !== undefined) assertFeatureNames(names, m.cols, what);
  assertFinite(m.data, m.cols, what, names);
  if (checks.minRows !== undefined) assertMinRows(m, checks.minRows, what);
  if (checks.rejectConstantColumns) assertNoConstantColumn(m, what, names);
  return m;
}

/** @throws AppError invalid_input unless `names` holds `cols` distinct non-empty strings. */
export function assertFeatureNames(names: readonly string[], cols: number, what: string): void {
  if (names.length !== cols) {
    throw invalid(`${what}: ${names.length} feature names for ${cols} columns`, {
      names: names.length,
      cols,
    });
  }
  const seen = new Set<string>();
  for (const [j, name] of names.entries()) {
    if (typeof name !== "string" || name.length === 0) {
      throw invalid(`${what}: feature name ${j} is empty`, { column: j });
    }
    if (seen.has(name)) {
      throw invalid(`${what}: feature name ${JSON.stringify(name)} appears twice`, {
        column: j,
        feature: name,
      });
    }
    seen.add(name);
  }
}
