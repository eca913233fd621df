import { describe, expect, it } from "vitest";
import { parseDate, parseTransactionsCsv } from "./transactions-csv.ts";

describe("parseDate", () => {
  it("reads dates and date-times, UTC unless an offset says otherwise", () => {
    const day = Date.UTC(2024, 2, 1);
    expect(parseDate("2024-03-01")).toBe(day);
    expect(parseDate("20240301")).toBe(day);
    expect(parseDate("2024-03-01 10:30")).toBe(day + 10.5 * 3_600_000);
    expect(parseDate("2024-03-01T10:30:00.250Z")).toBe(day + 10.5 * 3_600_000 + 250);
    expect(parseDate("2024-03-01T01:00:00+02:00")).toBe(day - 3_600_000);
    expect(parseDate("2024-03-01T01:00:00-0500")).toBe(day + 6 * 3_600_000);
  });

  it("refuses what is not a calendar day or time", () => {
    for (const text of ["2024-02-30", "2024-13-01", "2024-03-01T24:00", "01/03/2024", "", "soon"])
      expect(parseDate(text), text).toBeUndefined();
  });
});

describe("parseTransactionsCsv", () => {
  it("reads customer ids, dates and amounts under any of the accepted names", () => {
    const t = parseTransactionsCsv("Date,Customer_ID,Amount,sku\n2024-03-01,c1,12.50,x\n");
    expect(t).toEqual([{ customerId: "c1", at: Date.UTC(2024, 2, 1), amount: 12.5 }]);
    expect(parseTransactionsCsv("id,timestamp\nc2,2024-03-01T00:00:00Z\n")).toEqual([
      { customerId: "c2", at: Date.UTC(2024, 2, 1) },
    ]);
  });

  it("names the line of a bad date or amount, and a missing column", () => {
    const bad = (row: string) => () =>
      parseTransactionsCsv(`customer_id,date,amount\nc1,2024-03-01,1\n${row}\n`);
    expect(bad("c1,yesterday,1")).toThrow("line 3: date: expected a date like 2024-03-01");
    expect(bad("c1,2024-03-02,-1")).toThrow("line 3: amount: expected an amount ≥ 0, got -1");
    expect(bad("c1,2024-03-02,$1")).toThrow('line 3: amount: expected a decimal number, got "$1"');
    expect(bad(",2024-03-02,1")).toThrow("line 3: customer_id: the cell is empty");
    expect(() => parseTransactionsCsv("customer_id,amount\nc1,1\n")).toThrow(
      "line 1: the header has no date column",
    );
  });
});
