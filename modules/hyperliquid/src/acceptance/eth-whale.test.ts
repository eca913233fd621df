import { isFrame } from "@kamiyo/replay";
import { beforeAll, describe, expect, it } from "vitest";
import { firstAt, infoResponses, runScenario, type ScenarioReplay } from "./scenario-harness.ts";

const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";

describe("replay: 12 Mar 2025 ETH whale (reconstruction)", () => {
  let run: ScenarioReplay;

  beforeAll(async () => {
    run = await runScenario("ethWhale");
  }, 900_000);

  it("replays the whole file", () => {
    expect(run.summary.read.malformed).toBe(0);
    expect(run.summary.labels[0]).toMatch(/^reconstruction: 12 Mar 2025 ETH whale/);
    expect(run.summary.server.infoMissing).toEqual({});
  });

  it("raises a critical backstop finding within 60 s of the takeover", () => {
    // The first anomalous datum: the liquidator's backstop fill of the whale's long.
    const takeover = run.lines.find(
      (l) => isFrame(l) && JSON.stringify(l.msg).includes('"method":"backstop"'),
    );
    expect(takeover).toBeDefined();
    const t0 = takeover?.ts ?? 0;
    const at = firstAt(
      run,
      "critical",
      (f) => f.detector === "liquidations" && f.kind === "backstop" && f.subject.id === "ETH",
    );
    expect(at).not.toBeNull();
    expect((at ?? Infinity) - t0).toBeLessThanOrEqual(60_000);
    expect((at ?? 0) - t0).toBeGreaterThanOrEqual(0);
    const f = run.changes.find((c) => c.finding.kind === "backstop")?.finding;
    expect(f?.evidence).toMatchObject({ longsLiquidated: 1, liquidator: LIQUIDATOR });
    expect(f?.evidence.notionalUsd as number).toBeCloseTo(160_234 * 1915, -3);
  });

  it("raises a critical inherited-position finding within 60 s of the liquidator showing a $2M loss", () => {
    const states = infoResponses(run.lines, "clearinghouseState", LIQUIDATOR);
    const firstLoss = states.find(({ res }) =>
      (
        (res as { assetPositions: { position: { unrealizedPnl: string } }[] }).assetPositions ?? []
      ).some((p) => Number(p.position.unrealizedPnl) <= -2_000_000),
    );
    expect(firstLoss).toBeDefined();
    const at = firstAt(run, "critical", (f) => f.kind === "inherited-position" && f.key === "ETH");
    expect((at ?? Infinity) - (firstLoss?.ts ?? 0)).toBeLessThanOrEqual(60_000);
  });

  it("reports HLP's loss over 24 h at about $4M, from PnL not account value", () => {
    const loss = run.stored.find((f) => f.kind === "pnl-loss" && f.subject.id === HLP);
    expect(loss?.severity).toBe("critical");
    const pnl24h = loss?.evidence.pnl24hUsd as number;
    expect(pnl24h).toBeLessThan(-3_000_000);
    expect(pnl24h).toBeGreaterThan(-5_000_000);
  });

  it("does not count the liquidator's unwind as liquidations, and stores what it found", () => {
    const backstop = run.stored.find((f) => f.kind === "backstop");
    expect(backstop?.evidence.count).toBe(1);
    expect(run.stored.filter((f) => f.detector === "oracle")).toEqual([]);
    const ruleCritical = run.stored.filter(
      (f) => f.severity === "critical" && f.detector !== "ml" && f.detector !== "correlation",
    );
    expect(ruleCritical.length).toBeGreaterThanOrEqual(3);
  });
});
