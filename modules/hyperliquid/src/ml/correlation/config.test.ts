import { describe, expect, it } from "vitest";
import { correlatorConfig } from "./config.ts";

describe("correlator config", () => {
  it("defaults to PRODUCT.md's figures", () => {
    expect(correlatorConfig.parse({})).toMatchObject({
      windowMs: 300_000,
      liquidationMinEvents: 3,
      liquidationMinUsd: 1_000_000,
      liquidationMinProtocols: 1,
      oracleMinVenuePairs: 2,
      flashLoanMinProtocols: 2,
      bridgeMinChains: 2,
      criticalUsd: 10_000_000,
      criticalProtocols: 3,
    });
  });

  it("describes every setting, so each becomes a documented environment variable", () => {
    const shape = correlatorConfig.shape;
    const undocumented = Object.entries(shape)
      .filter(([, field]) => !field.description)
      .map(([key]) => key);
    expect(Object.keys(shape).length).toBeGreaterThan(10);
    expect(undocumented).toEqual([]);
  });

  it("refuses a lateness longer than the window and thresholds below their floor", () => {
    const r = correlatorConfig.safeParse({
      windowMs: 60_000,
      latenessMs: 60_001,
      minRaiseGapMs: -1,
    });
    expect(r.success).toBe(false);
    // Every problem is listed at once.
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["minRaiseGapMs", "latenessMs"]);
    expect(
      correlatorConfig.safeParse({ windowMs: 60_000, latenessMs: 60_001 }).error?.issues,
    ).toMatchObject([{ path: ["latenessMs"], message: "latenessMs must not exceed windowMs" }]);
    expect(correlatorConfig.safeParse({ liquidationMinEvents: 1 }).success).toBe(false);
  });
});
