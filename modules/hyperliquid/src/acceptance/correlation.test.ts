import { beforeAll, describe, expect, it } from "vitest";
import { CORRELATOR_DETECTOR } from "../ml/correlation/from-finding.ts";
import { runScenario, type ScenarioReplay } from "./scenario-harness.ts";

const FIRST_LIQUIDATION = Date.UTC(2025, 9, 10, 21, 15, 3, 127);

describe("cross-protocol correlator in the pipeline, on the 10 Oct 2025 cascade replay", () => {
  let run: ScenarioReplay;

  beforeAll(async () => {
    run = await runScenario("cascade");
  }, 900_000);

  it("raises one growing liquidation-cascade correlation over $1M from the liquidation findings and rows", () => {
    const correlations = run.changes.filter((s) => s.finding.detector === CORRELATOR_DETECTOR);
    const cascades = correlations.filter((s) => s.finding.kind === "liquidation-cascade");
    expect(cascades.length).toBeGreaterThan(0);
    const opened = cascades.filter((s) => s.change === "opened");
    expect(opened).toHaveLength(1);
    expect((opened[0]?.ts ?? Infinity) - FIRST_LIQUIDATION).toBeLessThanOrEqual(60_000);
    const last = cascades.at(-1)?.finding;
    expect(new Set(cascades.map((s) => s.finding.id)).size).toBe(1);
    expect(last?.evidence.totalUsd as number).toBeGreaterThan(1_000_000);
    expect(last?.evidence.memberCount as number).toBeGreaterThanOrEqual(3);
    expect(last?.severity).toBe("critical");
  });

  it("reports its counters in the monitor's health", () => {
    const correlator = run.summary.health?.derived.correlation;
    expect(correlator?.accepted).toBeGreaterThan(0);
    expect(correlator?.opened).toBe(
      run.changes.filter((s) => s.finding.detector === CORRELATOR_DETECTOR && s.change === "opened")
        .length,
    );
  });
});
