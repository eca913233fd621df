import { isRest } from "@kamiyo/replay";
import { beforeAll, describe, expect, it } from "vitest";
import { firstAt, infoResponses, runScenario, type ScenarioReplay } from "./scenario-harness.ts";

const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

interface Ctx {
  markPx: string;
}

describe("replay: 26 Mar 2025 JELLY squeeze (reconstruction)", () => {
  let run: ScenarioReplay;

  beforeAll(async () => {
    run = await runScenario("jelly");
  }, 900_000);

  it("replays the whole file", () => {
    expect(run.summary.read.malformed).toBe(0);
    expect(run.summary.labels[0]).toMatch(/^reconstruction: 26 Mar 2025 JELLY/);
  });

  it("raises a critical oracle deviation within 60 s of Hyperliquid running 1% above the CEX price", () => {
    // The first anomalous datum: the first market sample where JELLY's mark is ≥ 1% off Binance.
    const binance = new Map<number, number>();
    for (const l of run.lines) {
      if (l.src !== "binance" || !isRest(l)) continue;
      const jelly = (l.res as { symbol: string; price: string }[]).find(
        (t) => t.symbol === "JELLYUSDT",
      );
      if (jelly) binance.set(l.ts, Number(jelly.price));
    }
    const first = infoResponses(run.lines, "metaAndAssetCtxs").find(({ ts, res }) => {
      const [meta, ctxs] = res as [{ universe: { name: string }[] }, Ctx[]];
      const i = meta.universe.findIndex((u) => u.name === "JELLY");
      const ref = binance.get(ts);
      return ref !== undefined && Math.abs(Number(ctxs[i]?.markPx) / ref - 1) >= 0.01;
    });
    expect(first).toBeDefined();
    const at = firstAt(run, "critical", (f) => f.detector === "oracle" && f.subject.id === "JELLY");
    expect(at).not.toBeNull();
    expect((at ?? Infinity) - (first?.ts ?? 0)).toBeLessThanOrEqual(60_000);
    // Critical only after 30 s over the 1% band by the detector's own samples (Binance polled every 10 s).
    const critical = run.changes.find((c) => c.ts === at && c.finding.detector === "oracle");
    expect(critical?.finding.evidence.sustainedMs as number).toBeGreaterThanOrEqual(30_000);
    expect(critical?.finding.evidence.bandPct).toBe(1);
  });

  it("follows the ~398M JELLY short the liquidator inherited to a ~$12M unrealised loss", () => {
    const states = infoResponses(run.lines, "clearinghouseState", LIQUIDATOR);
    const firstLoss = states.find(({ res }) =>
      (res as { assetPositions: { position: { unrealizedPnl: string } }[] }).assetPositions.some(
        (p) => Number(p.position.unrealizedPnl) <= -2_000_000,
      ),
    );
    const at = firstAt(
      run,
      "critical",
      (f) => f.kind === "inherited-position" && f.key === "JELLY",
    );
    expect((at ?? Infinity) - (firstLoss?.ts ?? 0)).toBeLessThanOrEqual(60_000);
    const inherited = run.stored.find((f) => f.kind === "inherited-position" && f.key === "JELLY");
    expect(inherited?.evidence).toMatchObject({ side: "short", size: 398_000_000 });
    expect(inherited?.evidence.worstUnrealizedPnlUsd as number).toBeLessThan(-11_000_000);
    expect(inherited?.evidence.worstUnrealizedPnlUsd as number).toBeGreaterThan(-13_000_000);
    // Delisted and settled at 0.0095: the position is gone and the finding resolved.
    expect(inherited?.status).toBe("resolved");
  });

  it("sees the backstop takeover, the squeeze on a thin book and open interest at its cap", () => {
    const kinds = new Set(
      run.stored.filter((f) => f.subject.id === "JELLY").map((f) => `${f.kind}:${f.severity}`),
    );
    expect(kinds).toContain("backstop:high");
    expect(kinds).toContain("oi-cap:high");
    expect(kinds).toContain("funding-spike:critical");
    expect([...kinds].some((k) => k.startsWith("price-move:"))).toBe(true);
    const deviation = run.stored.find((f) => f.detector === "oracle" && f.subject.id === "JELLY");
    expect(deviation?.evidence.peakPct as number).toBeGreaterThan(50);
  });
});
