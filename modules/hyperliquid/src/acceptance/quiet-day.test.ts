import { beforeAll, describe, expect, it } from "vitest";
import { runScenario, type ScenarioReplay } from "./scenario-harness.ts";

describe("replay: 27 Mar 2025 quiet day (real candles)", () => {
  let run: ScenarioReplay;

  beforeAll(async () => {
    run = await runScenario("quiet");
  }, 900_000);

  it("replays 24 hours", () => {
    expect(run.summary.read.malformed).toBe(0);
    expect((run.summary.lastTs ?? 0) - (run.summary.firstTs ?? 0)).toBeGreaterThanOrEqual(
      86_400_000,
    );
    // The pipeline saw the whole day: market samples, trades and vault states.
    const seen = run.summary.health?.stats.observations ?? {};
    expect(seen.market).toBeGreaterThan(17_000);
    expect(seen.trades).toBeGreaterThan(4_000);
    expect(seen.vaultState).toBeGreaterThan(5_000);
  });

  it("raises nothing, not even at medium: prices within a few bps of the oracle, HLP's PnL wiggling by thousands", () => {
    expect(
      run.changes.map(
        (c) => `${c.finding.severity} ${c.finding.detector}/${c.finding.kind} ${c.finding.title}`,
      ),
    ).toEqual([]);
  });
});
