import { CsvLineError, cellAt, columnOf, decimalAt, parseCsv } from "./csv.ts";
import { type CustomerRfm, type RfmSummary, rfmProblem, rfmSummary } from "./rfm.ts";

/**
 * The header names a summary file's columns may have, compared without case: lifetimes'
 * (`ID,frequency,recency,T[,monetary_value]`) and the papers' (`ID,x,t_x,T,zbar`).
 */
export const SUMMARY_COLUMNS = {
  id: ["id", "customer_id", "customer"],
  frequency: ["frequency", "x"],
  recency: ["recency", "t_x"],
  T: ["t"],
  monetaryValue: ["monetary_value", "zbar"],
} as const;

/**
 * Reads a summary CSV: one customer a row, the columns of {@link SUMMARY_COLUMNS} in any order
 * (others ignored). Without an id column the customers are named by their line; without a
 * monetary column the summary has no monetary values.
 * @throws CsvLineError naming the line of the first missing column, bad cell or inconsistent row.
 */
export function parseSummaryCsv(text: string): RfmSummary {
  const { header, rows } = parseCsv(text);
  const col = (names: readonly string[]) => columnOf(header, names);
  const frequency = col(SUMMARY_COLUMNS.frequency);
  const recency = col(SUMMARY_COLUMNS.recency);
  const T = col(SUMMARY_COLUMNS.T);
  const missing = [
    frequency < 0 && "frequency (or x)",
    recency < 0 && "recency (or t_x)",
    T < 0 && "T",
  ].filter(Boolean);
  if (missing.length > 0)
    throw new CsvLineError(
      1,
      `the header has no ${missing.join(", ")} column (expected ID,frequency,recency,T[,monetary_value] or ID,x,t_x,T,zbar)`,
    );
  const id = col(SUMMARY_COLUMNS.id);
  const monetary = col(SUMMARY_COLUMNS.monetaryValue);
  if (rows.length === 0) throw new CsvLineError(2, "no customers after the header");
  const customers = rows.map((row): CustomerRfm => {
    const c = {
      id: id >= 0 ? cellAt(row, id, header) : String(row.line),
      frequency: decimalAt(row, frequency, header),
      recency: decimalAt(row, recency, header),
      T: decimalAt(row, T, header),
      ...(monetary >= 0 ? { monetaryValue: decimalAt(row, monetary, header) } : {}),
    };
    const problem = rfmProblem(c);
    if (problem) throw new CsvLineError(row.line, problem);
    return c;
  });
  return rfmSummary(customers, monetary >= 0);
}
