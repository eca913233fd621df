import { detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type {
  HlObservation,
  PortfolioPeriod,
  SeriesPoint,
  VaultMember,
} from "../../observations.ts";
import { hlpDetector } from "./hlp-detector.ts";
import { changeOver, drawdown, sharpe, valueAt } from "./metrics.ts";

const HOUR = 3_600_000;
const T0 = 1_741_737_600_000;
const PARENT: VaultMember = {
  address: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303",
  name: "HLP",
  role: "parent",
};
const LIQ: VaultMember = {
  address: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
  name: "HLP Liquidator",
  role: "liquidator",
};

/** A period whose PnL follows `pnl(h)` hourly over `hours`, with a constant or given account value. */
function period(
  hours: number,
  pnl: (h: number) => number,
  av: (h: number) => number = () => 400e6,
  stepH = 1,
): PortfolioPeriod {
  const pts = (f: (h: number) => number): SeriesPoint[] => {
    const out: SeriesPoint[] = [];
    for (let h = 0; h <= hours; h += stepH) out.push([T0 + h * HOUR, f(h)]);
    return out;
  };
  return { pnl: pts(pnl), accountValue: pts(av) };
}

function portfolio(day: PortfolioPeriod, month: PortfolioPeriod = day): HlObservation {
  const last = day.pnl.at(-1)?.[0] ?? T0;
  return {
    type: "vaultPortfolio",
    time: last,
    vault: PARENT,
    day,
    week: month,
    month,
    allTime: month,
  };
}

describe("HLP metrics", () => {
  it("interpolates and measures PnL over a window", () => {
    const s: SeriesPoint[] = [
      [0, 0],
      [10, 100],
      [20, 50],
    ];
    expect(valueAt(s, 5)).toBe(50);
    expect(valueAt(s, -1)).toBeNull();
    expect(changeOver(s, 10)).toEqual({ change: -50, coveredMs: 10 });
    expect(changeOver(s, 100)).toEqual({ change: 50, coveredMs: 20 });
  });

  it("measures drawdown on PnL relative to the account value at the peak", () => {
    // Account values: 100M at the peak; PnL falls 12M from its peak.
    const pnl: SeriesPoint[] = [
      [0, 0],
      [1, 5e6],
      [2, -7e6],
      [3, -2e6],
    ];
    const av: SeriesPoint[] = [
      [0, 95e6],
      [1, 100e6],
      [2, 88e6],
      [3, 60e6],
    ];
    const dd = drawdown(pnl, av);
    expect(dd.maxPct).toBeCloseTo(12);
    expect(dd.currentPct).toBeCloseTo(7);
    expect(dd.peakAt).toBe(1);
  });

  it("computes an annualised Sharpe from daily PnL", () => {
    const day = 86_400_000;
    const pnl: SeriesPoint[] = Array.from({ length: 31 }, (_, i) => [
      i * day,
      i * 100_000 + (i % 2) * 50_000,
    ]);
    const av: SeriesPoint[] = [[0, 100e6]];
    const s = sharpe(pnl, av);
    expect(s).not.toBeNull();
    expect(s as number).toBeGreaterThan(5);
    expect(sharpe(pnl.slice(0, 3), av)).toBeNull();
  });
});

describe("HLP detector", () => {
  it("raises critical when HLP loses more than $2M in 24 h, high past $1M, nothing at exactly $1M", () => {
    const cases: [number, string[]][] = [
      [-4_000_000, ["pnl-loss:0xdfc24b077bc1425ad1dea75bcb6f8158e10df303:critical"]],
      [-1_500_000, ["pnl-loss:0xdfc24b077bc1425ad1dea75bcb6f8158e10df303:high"]],
      [-1_000_000, []],
      [+3_000_000, []],
    ];
    for (const [total, expected] of cases) {
      const h = detectorHarness(hlpDetector);
      h.observe(portfolio(period(24, (x) => (total * x) / 24)));
      expect(h.raised()).toEqual(expected);
    }
  });

  it("names the window of a fast loss", () => {
    const h = detectorHarness(hlpDetector);
    h.observe(portfolio(period(24, (x) => (x >= 23.5 ? -2_500_000 : 0), undefined, 0.5)));
    const f = h.open().find((x) => x.kind === "pnl-loss");
    expect(f?.title).toBe("HLP lost $2.5M in 1 h");
    expect(f?.evidence).toMatchObject({ pnl1hUsd: -2_500_000, pnl24hUsd: -2_500_000 });
  });

  it("does not treat withdrawals as losses: account value falls, PnL does not", () => {
    const h = detectorHarness(hlpDetector);
    h.observe(
      portfolio(
        period(
          24,
          () => 0,
          (x) => 400e6 - x * 5e6,
        ),
      ),
    );
    expect(h.changes.filter((c) => c.change !== "resolved")).toEqual([]);
    // The same fall as a trading loss is one.
    const loss = detectorHarness(hlpDetector);
    loss.observe(
      portfolio(
        period(
          24,
          (x) => -x * 5e6,
          (x) => 400e6 - x * 5e6,
        ),
      ),
    );
    expect(loss.raised()).toContain(`pnl-loss:${PARENT.address}:critical`);
  });

  it("raises a drawdown over 10% of the account value at the PnL peak", () => {
    const h = detectorHarness(hlpDetector);
    const month = period(
      720,
      (x) => (x < 360 ? x * 100_000 : 36e6 - (x - 360) * 150_000),
      () => 400e6,
      24,
    );
    h.observe(
      portfolio(
        period(24, () => 0),
        month,
      ),
    );
    const f = h.open().find((x) => x.kind === "drawdown");
    expect(f?.severity).toBe("high");
    expect(f?.evidence.drawdownPct).toBeCloseTo(13.5, 1);
  });

  it("grades positions inherited by a liquidator vault and resolves them when closed", () => {
    const h = detectorHarness(hlpDetector);
    const state = (time: number, upnl: number | null): HlObservation => ({
      type: "vaultState",
      time,
      vault: LIQ,
      accountValue: 50e6,
      totalNtlPos: 306e6,
      positions:
        upnl === null
          ? []
          : [
              {
                coin: "ETH",
                szi: 160_234,
                entryPx: 1915,
                positionValue: 160_234 * 1905,
                unrealizedPnl: upnl,
                liquidationPx: null,
                marginUsed: 0,
              },
            ],
    });
    h.observe(state(T0, -100_000));
    h.observe(state(T0 + 15_000, -1_602_340));
    h.observe(state(T0 + 30_000, -4_005_850));
    expect(h.raised()).toEqual([
      `inherited-position:${LIQ.address}:high`,
      `inherited-position:${LIQ.address}:critical`,
    ]);
    expect(h.open()[0]?.title).toBe(
      "HLP Liquidator holds 160,234 ETH long ($305.2M) at -$4.0M unrealised",
    );
    h.observe(state(T0 + 45_000, null));
    expect(h.changes.at(-1)?.change).toBe("resolved");
  });

  it("keeps one inherited-position episode while the vault holds the position, even back in profit", () => {
    const h = detectorHarness(hlpDetector);
    const state = (time: number, upnl: number, szi = 160_234): HlObservation => ({
      type: "vaultState",
      time,
      vault: LIQ,
      accountValue: 50e6,
      totalNtlPos: 306e6,
      positions: [
        {
          coin: "ETH",
          szi,
          entryPx: 1915,
          positionValue: szi * 1915,
          unrealizedPnl: upnl,
          liquidationPx: null,
          marginUsed: 0,
        },
      ],
    });
    h.observe(state(T0, 50_000));
    expect(h.changes).toEqual([]);
    h.observe(state(T0 + 15_000, -2_500_000));
    h.observe(state(T0 + 30_000, +300_000));
    h.observe(state(T0 + 45_000, -100_000));
    expect(h.raised()).toEqual([`inherited-position:${LIQ.address}:critical`]);
    expect(new Set(h.changes.map((c) => c.finding.id)).size).toBe(1);
    expect(h.open()[0]?.evidence.worstUnrealizedPnlUsd).toBe(-2_500_000);
    h.observe(state(T0 + 60_000, -1_000, 100));
    expect(h.changes.at(-1)?.change).toBe("resolved");
  });

  it("resolves a PnL loss only after an hour with no window over its threshold", () => {
    const h = detectorHarness(hlpDetector);
    const loss = (at: number, total: number) => {
      const pts: SeriesPoint[] = [
        [at - 24 * HOUR, 0],
        [at - HOUR, 0],
        [at, total],
      ];
      const period = { pnl: pts, accountValue: pts.map(([t]) => [t, 400e6] as SeriesPoint) };
      h.observe({
        type: "vaultPortfolio",
        time: at,
        vault: PARENT,
        day: period,
        week: period,
        month: period,
        allTime: period,
      });
    };
    loss(T0, -3_000_000);
    loss(T0 + 10 * 60_000, 0);
    loss(T0 + 40 * 60_000, -1_500_000);
    loss(T0 + 50 * 60_000, 0);
    loss(T0 + 109 * 60_000, 0);
    expect(h.changes.filter((c) => c.change === "resolved")).toHaveLength(0);
    loss(T0 + 110 * 60_000, 0);
    expect(h.changes.at(-1)?.change).toBe("resolved");
    expect(new Set(h.changes.map((c) => c.finding.id)).size).toBe(1);
  });

  it("ignores positions of vaults that are not liquidators", () => {
    const h = detectorHarness(hlpDetector);
    h.observe({
      type: "vaultState",
      time: T0,
      vault: { ...LIQ, role: "child" },
      accountValue: 1e6,
      totalNtlPos: 1e8,
      positions: [
        {
          coin: "ETH",
          szi: 1e5,
          entryPx: 2000,
          positionValue: 1e8,
          unrealizedPnl: -5e6,
          liquidationPx: null,
          marginUsed: 0,
        },
      ],
    });
    expect(h.changes).toEqual([]);
  });
});
