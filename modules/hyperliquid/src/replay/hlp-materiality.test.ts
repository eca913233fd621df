import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FindingChange, silentLogger } from "@kamiyo/core";
import { monitorOnly, replay } from "@kamiyo/replay";
import { readFixtureJson } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SeriesPoint } from "../observations.ts";
import { calmHlpPnl } from "../testing/hlp-series.ts";
import { hyperliquidReplay } from "./replay-module.ts";

const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
const MIN = 60_000;
/** 2025-03-27T00:00Z; the replay covers the last half hour of a calm day, then one more move. */
const T0 = Date.UTC(2025, 2, 27);
const DAY = 24 * 60 * MIN;
const AV = 195_000_000;

/** A `portfolio` response: every period holds the points of the last 24 h of `pnl` up to `t`. */
function portfolio(pnl: readonly SeriesPoint[], t: number): unknown {
  const pts = pnl.filter(([x]) => x <= t && x > t - DAY);
  const period = {
    accountValueHistory: pts.map(([x, v]) => [x, (AV + v - 60_000_000).toFixed(6)]),
    pnlHistory: pts.map(([x, v]) => [x, v.toFixed(6)]),
    vlm: "0.0",
  };
  return ["day", "week", "month", "allTime", "perpDay", "perpWeek", "perpMonth", "perpAllTime"].map(
    (name) => [name, period],
  );
}

/**
 * 35 minutes of replay: HLP's family, an ETH market and HLP's `portfolio` every 15 min over a calm
 * day shaped like the recorded series, ending with `move` in the last interval.
 */
function recording(move: number): string[] {
  const calm = calmHlpPnl({ start: T0, intervals: 4 * 24 + 3, seed: 7 });
  const [lastT, lastV] = calm.at(-1) as SeriesPoint;
  const pnl: SeriesPoint[] = [...calm, [lastT + 15 * MIN, lastV + move]];
  const start = lastT - 15 * MIN;
  const info = (ts: number, req: unknown, res: unknown) =>
    JSON.stringify({ ts, src: "hl.info", req, res });
  const parent = readFixtureJson(
    "hyperliquid/recorded/yassi80-hyperliquid/clearinghouseState.json",
  );
  const lines = [
    JSON.stringify({ ts: start, src: "meta", label: "test", description: "HLP materiality" }),
    info(
      start,
      { type: "vaultDetails", vaultAddress: HLP },
      {
        name: "Hyperliquidity Provider (HLP)",
        vaultAddress: HLP,
        leader: "0x677d831aef5328190852e24f13c46cac05f984e7",
        description: "test recording",
        portfolio: [],
        apr: 0.05,
        followerState: null,
        leaderFraction: 0,
        leaderCommission: 0,
        followers: [],
        maxDistributable: 0,
        maxWithdrawable: 0,
        isClosed: false,
        relationship: { type: "parent", data: { childAddresses: [] } },
        allowDeposits: true,
        alwaysCloseOnWithdraw: false,
      },
    ),
    info(
      start,
      { type: "metaAndAssetCtxs" },
      readFixtureJson("hyperliquid/recorded/yassi80-hyperliquid/metaAndAssetCtxs.json"),
    ),
    info(start, { type: "perpsAtOpenInterestCap" }, []),
    info(start, { type: "clearinghouseState", user: HLP }, parent),
  ];
  for (let t = start; t <= lastT + 15 * MIN; t += 15 * MIN)
    lines.push(info(t, { type: "portfolio", user: HLP }, portfolio(pnl, t)));
  lines.push(JSON.stringify({ ts: lastT + 20 * MIN, src: "meta", label: "end", description: "" }));
  return lines;
}

/** A finding change with the replay time it happened at. */
interface Seen {
  ts: number;
  change: FindingChange["change"];
  finding: FindingChange["finding"];
}

async function run(dir: string, move: number): Promise<{ changes: Seen[]; moveAt: number }> {
  const file = join(dir, `move-${move}.ndjson`);
  const lines = recording(move);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const changes: Seen[] = [];
  await replay({
    module: hyperliquidReplay,
    file,
    speed: "max",
    config: {},
    log: silentLogger,
    pipeline: monitorOnly({ db: null, tenantId: "ten_default" }),
    onChange: (c, ts) => changes.push({ ts, change: c.change, finding: c.finding }),
  });
  const last = JSON.parse(lines.at(-2) ?? "{}") as { ts: number };
  return { changes, moveAt: last.ts };
}

describe("replay: HLP PnL after a calm day (pnl-zscore materiality)", () => {
  let dir: string;
  let trivial: Awaited<ReturnType<typeof run>>;
  let costly: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "kamiyo-materiality-"));
    trivial = await run(dir, -13_900);
    costly = await run(dir, -2_000_000);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("stays quiet when the calm stretch ends with a $13.9k dip", () => {
    expect(trivial.changes.map((c) => `${c.finding.kind} ${c.finding.title}`)).toEqual([]);
  });

  it("raises a $2M loss after the calm stretch at once, as a high z-score and a high or critical loss", () => {
    const raised = costly.changes.filter((c) => c.change === "opened");
    expect(raised.map((c) => c.finding.kind).sort()).toEqual(["pnl-loss", "pnl-zscore"]);
    expect(raised.find((c) => c.finding.kind === "pnl-zscore")?.finding.severity).toBe("high");
    // $2M plus the calm stretch's own wiggle over the hour: high or critical by the 1 h loss rule.
    expect(["high", "critical"]).toContain(
      raised.find((c) => c.finding.kind === "pnl-loss")?.finding.severity,
    );
    // Within one portfolio poll (60 s) of the response that shows the loss.
    for (const c of raised) {
      expect(c.ts).toBeGreaterThanOrEqual(costly.moveAt);
      expect(c.ts - costly.moveAt).toBeLessThanOrEqual(60_000);
    }
  });
});
