import { describe, expect, it } from "vitest";
import { parseSummaryCsv } from "./summary-csv.ts";

describe("parseSummaryCsv", () => {
  it("reads lifetimes' columns, in any order, monetary_value optional", () => {
    const s = parseSummaryCsv("T,recency,frequency,ID\n38.86,30.43,2,1\n38.86,0,0,2\n");
    expect(s.ids).toEqual(["1", "2"]);
    expect([...s.frequency]).toEqual([2, 0]);
    expect([...s.recency]).toEqual([30.43, 0]);
    expect([...s.T]).toEqual([38.86, 38.86]);
    expect(s.monetaryValue).toBeUndefined();
  });

  it("reads the papers' x,t_x,T,zbar columns, and names customers by line without an ID", () => {
    const s = parseSummaryCsv("x,t_x,T,zbar\r\n2,30.43,38.86,22.35\r\n0,0.00,38.86,0.00");
    expect(s.ids).toEqual(["2", "3"]);
    expect([...(s.monetaryValue ?? [])]).toEqual([22.35, 0]);
  });

  it("names the line and the column of the first bad cell or inconsistent customer", () => {
    const bad = (rows: string) => () => parseSummaryCsv(`ID,frequency,recency,T\n1,1,2,3\n${rows}`);
    expect(bad("2,1.5,2,3")).toThrow("line 3: frequency: expected a whole number ≥ 0, got 1.5");
    expect(bad("2,1,x,3")).toThrow('line 3: recency: expected a decimal number, got "x"');
    expect(bad("2,1,,3")).toThrow("line 3: recency: the cell is empty");
    expect(bad("2,1,4,3")).toThrow("line 3: recency 4 is after T 3");
    expect(bad("2,0,1,3")).toThrow("line 3: recency 1 with no repeat purchase (expected 0)");
    expect(bad("2,1,1e2,300")).toThrow('line 3: recency: expected a decimal number, got "1e2"');
    expect(() => parseSummaryCsv("ID,frequency,recency,T,monetary_value\n1,2,3,4,0\n")).toThrow(
      "line 2: monetary value 0 with repeat purchases",
    );
    expect(() => parseSummaryCsv("ID,frequency,T\n1,2,3\n")).toThrow(
      "line 1: the header has no recency (or t_x) column",
    );
    expect(() => parseSummaryCsv("ID,frequency,recency,T\n")).toThrow(
      "line 2: no customers after the header",
    );
  });
});
