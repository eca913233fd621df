import { CsvLineError, cellAt, columnOf, decimalAt, parseCsv } from "./csv.ts";
import type { Transaction } from "./transactions.ts";

/** The header names a transactions file's columns may have, compared without case. */
export const TRANSACTION_COLUMNS = {
  customerId: ["customer_id", "customerid", "customer", "id"],
  date: ["date", "datetime", "timestamp", "time"],
  amount: ["amount", "monetary_value", "value", "revenue"],
} as const;

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A date (`2024-03-01`, `20240301`) or date-time (`2024-03-01T10:00:00Z`, `2024-03-01 10:00`,
 * with an optional `Z` or `±HH:MM` offset; without one it is UTC) as epoch ms, or undefined when
 * it is none of these or not a calendar day.
 */
export function parseDate(text: string): number | undefined {
  const offset = OFFSET.exec(text)?.[1];
  const m = DATE.exec(offset ? text.slice(0, -offset.length) : text);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0"] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const back = new Date(utc);
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() !== Number(mo) - 1) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  if (!offset || offset === "Z") return utc + ms;
  const sign = offset.startsWith("-") ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  return utc + ms - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/**
 * Reads a transactions CSV: one purchase a row, a customer id, a date and optionally an amount
 * (columns named as {@link TRANSACTION_COLUMNS}, in any order; others ignored). Amounts are
 * decimals ≥ 0 in currency units.
 * @throws CsvLineError naming the line of the first missing column or bad cell.
 */
export function parseTransactionsCsv(text: string): Transaction[] {
  const { header, rows } = parseCsv(text);
  const id = columnOf(header, TRANSACTION_COLUMNS.customerId);
  const date = columnOf(header, TRANSACTION_COLUMNS.date);
  const amount = columnOf(header, TRANSACTION_COLUMNS.amount);
  if (id < 0 || date < 0)
    throw new CsvLineError(
      1,
      `the header has no ${id < 0 ? "customer id" : "date"} column (expected customer_id,date[,amount])`,
    );
  if (rows.length === 0) throw new CsvLineError(2, "no transactions after the header");
  return rows.map((row): Transaction => {
    const text = cellAt(row, date, header);
    const at = parseDate(text);
    if (at === undefined)
      throw new CsvLineError(
        row.line,
        `${header[date]}: expected a date like 2024-03-01 or 2024-03-01T10:00:00Z, got "${text}"`,
      );
    const customerId = cellAt(row, id, header);
    if (amount < 0) return { customerId, at };
    const value = decimalAt(row, amount, header);
    if (value < 0)
      throw new CsvLineError(row.line, `${header[amount]}: expected an amount ≥ 0, got ${value}`);
    return { customerId, at, amount: value };
  });
}
