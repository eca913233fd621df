import type { FindingChange } from "@kamiyo/core";
import { CORRELATOR_DETECTOR, CrossProtocolCorrelator, correlatorConfig } from "@kamiyo/ml";
import { createTestDb } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import { replayScenario } from "./scenario-harness.ts";

const FIRST_LIQUIDATION = Date.UTC(2025, 9, 10, 21, 15, 3, 127);

describe("cross-protocol correlator in the pipeline, on the 10 Oct 2025 cascade replay", () => {
  it("raises one growing liquidation-cascade correlation over $1M from the liquidation findings", async () => {
    const db = await createTestDb();
    const seen: { ts: number; change: FindingChange }[] = [];
    let correlator: CrossProtocolCorrelator | null = null;
    try {
      await replayScenario("cascade-2025-10-10.ndjson.gz", db, {
        derived: (clock) => {
          correlator = new CrossProtocolCorrelator(correlatorConfig.parse({}), {
            now: () => clock.now(),
          });
          return [correlator];
        },
        onChange: (change, ts) => seen.push({ ts, change }),
      });
    } finally {
      await db.close();
    }
    const correlations = seen.filter((s) => s.change.finding.detector === CORRELATOR_DETECTOR);
    const cascades = correlations.filter((s) => s.change.finding.kind === "liquidation-cascade");
    expect(cascades.length).toBeGreaterThan(0);
    const opened = cascades.filter((s) => s.change.change === "opened");
    expect(opened).toHaveLength(1);
    expect((opened[0]?.ts ?? Infinity) - FIRST_LIQUIDATION).toBeLessThanOrEqual(60_000);
    const last = cascades.at(-1)?.change.finding;
    expect(new Set(cascades.map((s) => s.change.finding.id)).size).toBe(1);
    expect(last?.evidence.totalUsd as number).toBeGreaterThan(1_000_000);
    expect(last?.evidence.memberCount as number).toBeGreaterThanOrEqual(3);
    expect(last?.severity).toBe("critical");
  }, 120_000);
});
