import { describe, expect, it } from "vitest";
import { billingPeriod } from "./billing-period.ts";

const at = (iso: string) => Date.parse(iso);
const period = (anchor: string, now: string) => {
  const p = billingPeriod(at(anchor), at(now));
  return [new Date(p.start).toISOString(), new Date(p.end).toISOString()];
};

describe("billingPeriod", () => {
  it("runs monthly from the anchor, at its time of day", () => {
    expect(period("2025-03-12T09:00:00Z", "2025-03-12T09:00:00Z")).toEqual([
      "2025-03-12T09:00:00.000Z",
      "2025-04-12T09:00:00.000Z",
    ]);
    expect(period("2025-03-12T09:00:00Z", "2025-04-12T08:59:59Z")[1]).toBe(
      "2025-04-12T09:00:00.000Z",
    );
    expect(period("2025-03-12T09:00:00Z", "2026-01-20T00:00:00Z")).toEqual([
      "2026-01-12T09:00:00.000Z",
      "2026-02-12T09:00:00.000Z",
    ]);
  });

  it("bills an anchor on the 31st on the last day of shorter months, then on the 31st again", () => {
    // As Stripe's billing cycle anchor: a day the month lacks falls on its last day, and the
    // next period returns to the anchor's day.
    expect(period("2025-01-31T00:00:00Z", "2025-02-15T00:00:00Z")).toEqual([
      "2025-01-31T00:00:00.000Z",
      "2025-02-28T00:00:00.000Z",
    ]);
    expect(period("2025-01-31T00:00:00Z", "2025-03-01T00:00:00Z")).toEqual([
      "2025-02-28T00:00:00.000Z",
      "2025-03-31T00:00:00.000Z",
    ]);
    expect(period("2024-01-31T00:00:00Z", "2024-02-29T12:00:00Z")).toEqual([
      "2024-02-29T00:00:00.000Z",
      "2024-03-31T00:00:00.000Z",
    ]);
  });

  it("gives the first period for a time before the anchor", () => {
    expect(period("2025-03-12T09:00:00Z", "2025-01-01T00:00:00Z")[0]).toBe(
      "2025-03-12T09:00:00.000Z",
    );
  });
});
