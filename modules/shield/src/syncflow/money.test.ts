import { describe, expect, it } from "vitest";
import {
  decimalToMicros,
  microsPerMinorUnit,
  microsToMinorUnits,
  minorUnitsToMicros,
} from "./money.ts";

describe("micros and Meta's minor units", () => {
  it.each([
    ["USD", 1_500_000, 150],
    ["EUR", 10_000, 1],
    ["USD", 123_450_000, 12_345],
    ["JPY", 150_000_000, 150],
    ["KRW", 1_000_000, 1],
    ["USD", 0, 0],
  ])("%s: %i micros are %i minor units, and back", (currency, micros, minor) => {
    expect(microsToMinorUnits(micros, currency)).toBe(minor);
    expect(minorUnitsToMicros(minor, currency)).toBe(micros);
  });

  it("refuses an amount that is not a whole number of minor units rather than rounding it", () => {
    expect(() => microsToMinorUnits(1_234_567, "USD")).toThrow(
      "amountMicros: 1234567 micros is not a whole number of USD minor units (10000 micros each)",
    );
    expect(() => microsToMinorUnits(1_500_000, "JPY")).toThrow("not a whole number of JPY");
  });

  it("refuses negative, fractional and unsafe amounts and unknown currency codes", () => {
    expect(() => microsToMinorUnits(-10_000, "USD")).toThrow(
      "amountMicros: expected whole micros ≥ 0",
    );
    expect(() => microsToMinorUnits(0.5, "USD")).toThrow(RangeError);
    expect(() => microsToMinorUnits(2 ** 53, "USD")).toThrow(RangeError);
    expect(() => microsPerMinorUnit("usd")).toThrow(
      'currency: expected an ISO 4217 code like USD, got "usd"',
    );
  });

  it("reads decimal spend to micros by string arithmetic, exactly", () => {
    expect(decimalToMicros("12.34")).toBe(12_340_000);
    expect(decimalToMicros("0.1")).toBe(100_000);
    // 0.1 + 0.2 in floats is 0.30000000000000004; as micros it is exact.
    expect(decimalToMicros("0.1") + decimalToMicros("0.2")).toBe(decimalToMicros("0.3"));
    expect(decimalToMicros("1234")).toBe(1_234_000_000);
    expect(decimalToMicros("0.000001")).toBe(1);
    expect(decimalToMicros("9007199254.740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => decimalToMicros("9007199254.740992")).toThrow("too large");
    expect(() => decimalToMicros("1.2345678")).toThrow(
      'spend: expected a decimal amount like 12.34, got "1.2345678"',
    );
    expect(() => decimalToMicros("-1")).toThrow(RangeError);
  });
});
