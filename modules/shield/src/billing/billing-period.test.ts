import { describe, expect, it } from "vitest";
import { parseOutcomePeriod } from "./billing-period.ts";

describe("billing periods", () => {
  it("reads a UTC calendar month and a range of UTC days (the end excluded)", () => {
    expect(parseOutcomePeriod("2026-11")).toEqual({
      start: Date.UTC(2026, 10, 1),
      end: Date.UTC(2026, 11, 1),
      label: "2026-11",
    });
    expect(parseOutcomePeriod("2026-12")).toMatchObject({ end: Date.UTC(2027, 0, 1) });
    expect(parseOutcomePeriod("2028-02-01/2028-03-01")).toMatchObject({
      start: Date.UTC(2028, 1, 1),
      end: Date.UTC(2028, 2, 1),
    });
  });

  it.each([
    ["2026-13", /expected a month/],
    ["2026-1", /expected a month/],
    ["2026-11-01", /expected a month/],
    ["2026-11-01/2026-11-01", /must be after/],
    ["2027-02-29/2027-03-01", /does not exist/],
    ["2026-11-01/2026-11-16/2026-12-01", /expected a month/],
  ])("refuses %s naming what is wrong", (text, message) => {
    expect(() => parseOutcomePeriod(text)).toThrow(message);
  });
});
