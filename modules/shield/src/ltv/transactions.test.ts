import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cdnowFixture, cdnowSummary, cdnowTransactions } from "../testing/index.ts";
import { parseSummaryCsv } from "./summary-csv.ts";
import { summaryFromTransactions } from "./transactions.ts";

const day = (d: string) => Date.parse(`${d}T00:00:00Z`);

describe("summaryFromTransactions", () => {
  it("counts purchase days after the first, same-day purchases as one with their amounts summed", () => {
    const s = summaryFromTransactions(
      [
        { customerId: "a", at: day("2024-01-01"), amount: 10 },
        { customerId: "b", at: day("2024-01-05"), amount: 7 },
        { customerId: "a", at: day("2024-01-08") + 3_600_000, amount: 5 },
        { customerId: "a", at: day("2024-01-08") + 7_200_000, amount: 15 },
        { customerId: "a", at: day("2024-01-15"), amount: 40 },
        { customerId: "a", at: day("2024-02-01"), amount: 99 },
      ],
      { unit: "week", observationEnd: day("2024-01-29") },
    );
    expect(s.ids).toEqual(["a", "b"]);
    expect([...s.frequency]).toEqual([2, 0]);
    expect([...s.recency]).toEqual([2, 0]);
    expect([...s.T]).toEqual([4, 24 / 7]);
    expect([...(s.monetaryValue ?? [])]).toEqual([30, 0]);
  });

  it("ends observation at the last transaction by default, and has no monetary values without amounts", () => {
    const s = summaryFromTransactions(
      [
        { customerId: "a", at: day("2024-01-01") },
        { customerId: "a", at: day("2024-01-03") },
      ],
      { unit: "day" },
    );
    expect([...s.frequency, ...s.recency, ...s.T]).toEqual([1, 2, 2]);
    expect(s.monetaryValue).toBeUndefined();
  });

  it("reproduces Fader and Hardie's CDNOW summary from the raw transactions (weeks, to 1997-09-30)", () => {
    const s = summaryFromTransactions(cdnowTransactions(), {
      unit: "week",
      observationEnd: day("1997-09-30"),
    });
    const published = parseSummaryCsv(
      readFileSync(cdnowFixture("cdnow_customers_summary.csv"), "utf8"),
    );
    const withSpend = cdnowSummary();
    expect(s.ids).toHaveLength(2357);
    const at = new Map(s.ids.map((id, i) => [id, i]));
    for (const [j, id] of published.ids.entries()) {
      const i = at.get(id) as number;
      expect(s.frequency[i], id).toBe(published.frequency[j]);
      // The published times and spends are rounded to two decimals.
      expect(Math.abs((s.recency[i] as number) - (published.recency[j] as number))).toBeLessThan(
        0.005,
      );
      expect(Math.abs((s.T[i] as number) - (published.T[j] as number))).toBeLessThan(0.005);
      expect(
        Math.abs((s.monetaryValue?.[i] as number) - (withSpend.monetaryValue?.[j] as number)),
      ).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });

  it("refuses no transactions, or none before the end", () => {
    expect(() => summaryFromTransactions([], { unit: "day" })).toThrow("no transactions");
    expect(() =>
      summaryFromTransactions([{ customerId: "a", at: day("2024-02-01") }], {
        unit: "day",
        observationEnd: day("2024-01-01"),
      }),
    ).toThrow("no transactions on or before the end of observation");
  });
});
