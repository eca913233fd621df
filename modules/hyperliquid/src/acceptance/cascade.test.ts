import { isFrame } from "@kamiyo/replay";
import { beforeAll, describe, expect, it } from "vitest";
import { firstAt, runScenario, type ScenarioReplay } from "./scenario-harness.ts";

const FIRST_LIQUIDATION = Date.UTC(2025, 9, 10, 21, 15, 3, 127);
const FIRST_ADL = Date.UTC(2025, 9, 10, 21, 16, 4, 831);

describe("replay: 10 Oct 2025 liquidation cascade and ADL (reconstruction)", () => {
  let run: ScenarioReplay;

  beforeAll(async () => {
    run = await runScenario("cascade");
  }, 900_000);

  it("replays the whole file", () => {
    expect(run.summary.read.malformed).toBe(0);
    expect(run.summary.server.framesUndelivered).toBe(0);
  });

  it("has its first liquidation at 21:15:03.127 and first ADL at 21:16:04.831, as documented", () => {
    const fills = run.lines.filter(
      (l) => isFrame(l) && JSON.stringify(l.msg).includes('"liquidation"'),
    );
    expect(fills[0]?.ts).toBe(FIRST_LIQUIDATION);
    const adl = run.lines.find(
      (l) => isFrame(l) && JSON.stringify(l.msg).includes("Auto-Deleveraging"),
    );
    expect(adl?.ts).toBe(FIRST_ADL);
  });

  it("raises critical cascades within 60 s of the first liquidation, and a market-wide one", () => {
    const cascade = firstAt(run, "critical", (f) => f.kind === "cascade");
    expect(cascade).not.toBeNull();
    expect((cascade ?? Infinity) - FIRST_LIQUIDATION).toBeLessThanOrEqual(60_000);
    const market = firstAt(run, "critical", (f) => f.kind === "market-cascade");
    expect((market ?? Infinity) - FIRST_LIQUIDATION).toBeLessThanOrEqual(60_000);
    const coins = new Set(
      run.stored
        .filter((f) => f.kind === "cascade" && f.severity === "critical")
        .map((f) => f.subject.id),
    );
    expect([...coins].sort()).toEqual(["BTC", "ETH", "HYPE", "SOL"]);
  });

  it("raises critical ADL against the liquidator within 60 s of the first ADL, for each coin", () => {
    const adl = firstAt(run, "critical", (f) => f.kind === "adl");
    expect((adl ?? Infinity) - FIRST_ADL).toBeLessThanOrEqual(60_000);
    const stored = run.stored.filter((f) => f.kind === "adl");
    expect(stored.map((f) => f.subject.id).sort()).toEqual(["BTC", "ETH", "HYPE", "SOL"]);
    for (const f of stored) expect(f.evidence.againstLiquidator).toBe(true);
    const btc = stored.find((f) => f.subject.id === "BTC");
    // The documented BTC ADL was $621M; the reconstruction deleverages what was taken over.
    expect(btc?.evidence.notionalUsd as number).toBeGreaterThan(500e6);
  });

  it("does not open a finding per large liquidation inside a cascade", () => {
    const large = run.changes.filter(
      (c) => c.finding.kind === "large-liquidation" && c.change === "opened",
    );
    expect(large.length).toBeLessThan(30);
    expect(
      run.changes.filter((c) => c.finding.kind === "cascade" && c.change === "opened"),
    ).toHaveLength(4);
  });
});
