import { describe, expect, it } from "vitest";
import { compactToIsoDay, isIsoDay, unixSecondsToIsoDay } from "./dates.ts";

describe("dates", () => {
  it("accept real calendar days only", () => {
    expect(isIsoDay("2024-02-29")).toBe(true);
    expect(isIsoDay("2023-02-29")).toBe(false);
    expect(isIsoDay("2023-2-1")).toBe(false);
    expect(compactToIsoDay("20230313")).toBe("2023-03-13");
    expect(compactToIsoDay("20231345")).toBeNull();
    expect(compactToIsoDay("2023031")).toBeNull();
  });

  it("give the UTC day of unix seconds, refusing milliseconds and fractions", () => {
    expect(unixSecondsToIsoDay(1711065600)).toBe("2024-03-22");
    expect(unixSecondsToIsoDay(1711065599)).toBe("2024-03-21");
    expect(unixSecondsToIsoDay(1711065600000)).toBeNull();
    expect(unixSecondsToIsoDay(1.5)).toBeNull();
    expect(unixSecondsToIsoDay(-1)).toBeNull();
  });
});
