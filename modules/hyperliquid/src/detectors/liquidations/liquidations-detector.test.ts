import { detectorHarness } from "@kamiyo/testing";
import { describe, expect, it } from "vitest";
import type { Fill, HlObservation, Trade, VaultMember } from "../../observations.ts";
import { liquidationsDetector } from "./liquidations-detector.ts";

const LIQ = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const WHALE = "0xf3f496c9486be5924a93d67e98298733bb47057c";
const T0 = 1_741_767_000_000;

const family: HlObservation = {
  type: "vaultFamily",
  time: T0,
  parent: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303",
  members: [
    { address: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303", name: "HLP", role: "parent" },
    { address: LIQ, name: "HLP Liquidator", role: "liquidator" },
  ],
  discovered: true,
};

let tid = 1;
function fill(over: Partial<Fill>): Fill {
  return {
    coin: "ETH",
    px: 1915,
    sz: 1,
    side: "B",
    time: T0,
    startPosition: 0,
    dir: "Liquidated Cross Long",
    closedPnl: 0,
    hash: "0x1",
    oid: 1,
    tid: tid++,
    crossed: true,
    fee: 0,
    liquidation: { liquidatedUser: WHALE, markPx: 1915, method: "backstop" },
    ...over,
  };
}
function trade(over: Partial<Trade>): Trade {
  return {
    coin: "ETH",
    side: "A",
    px: 1915,
    sz: 1,
    time: T0,
    tid: tid++,
    hash: "0x2",
    buyer: LIQ,
    seller: WHALE,
    ...over,
  };
}
const fills = (time: number, ...f: Fill[]): HlObservation => ({
  type: "fills",
  time,
  user: LIQ,
  fills: f,
  snapshot: false,
});
const trades = (time: number, ...t: Trade[]): HlObservation => ({
  type: "trades",
  time,
  coin: t[0]?.coin ?? "ETH",
  trades: t,
});
const liquidatorState = (time: number, szi: number): HlObservation => ({
  type: "vaultState",
  time,
  vault: family.type === "vaultFamily" ? (family.members[1] as VaultMember) : ({} as VaultMember),
  accountValue: 1e7,
  totalNtlPos: 0,
  positions:
    szi === 0
      ? []
      : [
          {
            coin: "ETH",
            szi,
            entryPx: 1915,
            positionValue: Math.abs(szi) * 1915,
            unrealizedPnl: 0,
            liquidationPx: null,
            marginUsed: 0,
          },
        ],
});

describe("liquidations detector", () => {
  it("raises critical backstop and large-liquidation findings for the 160,234 ETH takeover", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    h.observe(fills(T0, fill({ sz: 160_234, px: 1915 })));
    expect(h.raised()).toEqual(["large-liquidation:ETH:critical", "backstop:ETH:critical"]);
    const large = h.open().find((f) => f.kind === "large-liquidation");
    expect(large?.evidence).toMatchObject({
      method: "backstop",
      liquidatedSide: "long",
      notionalUsd: 306_848_110,
    });
  });

  it("counts a public trade and the liquidator's fill of the same execution once, in either order", () => {
    for (const order of ["fill-first", "trade-first"] as const) {
      const h = detectorHarness(liquidationsDetector, { largeUsd: 1 });
      h.observe(family);
      const f = fill({ sz: 10, side: "B" });
      const t = trade({ tid: f.tid, sz: 10 });
      if (order === "fill-first") {
        h.observe(fills(T0, f));
        h.observe(trades(T0, t));
      } else {
        h.observe(trades(T0, t));
        h.observe(fills(T0 + 500, f), T0 + 500);
      }
      h.tick(T0 + 10_000);
      expect(h.changes.filter((c) => c.finding.kind === "large-liquidation")).toHaveLength(1);
    }
  });

  it("treats an unconfirmed liquidator trade as a takeover only when it grows the vault's position", () => {
    const h = detectorHarness(liquidationsDetector, { largeUsd: 100_000 });
    h.observe(family);
    h.observe(liquidatorState(T0, 160_234));
    // The liquidator selling ETH while long is its unwind, not a liquidation.
    h.observe(trades(T0, trade({ buyer: WHALE, seller: LIQ, sz: 5_000 })));
    h.tick(T0 + 1_999);
    h.tick(T0 + 2_000);
    expect(h.raised()).toEqual([]);
    // Buying more while long: a takeover of a liquidated long.
    h.observe(trades(T0 + 3_000, trade({ time: T0 + 3_000, sz: 100 })), T0 + 3_000);
    h.tick(T0 + 4_000);
    expect(h.raised()).toEqual([]);
    h.tick(T0 + 5_000);
    expect(h.raised()).toEqual(["large-liquidation:ETH:high", "backstop:ETH:medium"]);
  });

  it("flags bursts in a sliding 10 s window, not fixed buckets", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    const at = (s: number) =>
      fills(
        T0 + s * 1000,
        fill({
          time: T0 + s * 1000,
          sz: 200_000 / 1915,
          liquidation: { liquidatedUser: null, markPx: 1915, method: "market" },
        }),
      );
    h.observe(at(0));
    h.observe(at(6));
    h.observe(at(12));
    expect(h.raised().filter((r) => r.startsWith("burst"))).toEqual([]);
    // 8 s and 12 s straddle an epoch-aligned 10 s bucket boundary but sit in one sliding window with 6 s.
    h.observe(at(14));
    expect(h.raised().filter((r) => r.startsWith("burst"))).toEqual(["burst:ETH:medium"]);
  });

  it("flags cascades of at least 5 in 5 min in either direction, critical past $25M", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    const short = (s: number, usd: number) =>
      fills(
        T0 + s * 1000,
        fill({
          time: T0 + s * 1000,
          px: 2000 + s,
          sz: usd / 2000,
          side: "A",
          dir: "Liquidated Cross Short",
        }),
      );
    for (const s of [0, 60, 120, 180]) h.observe(short(s, 150_000));
    expect(h.raised().some((r) => r.startsWith("cascade"))).toBe(false);
    h.observe(short(240, 150_000));
    expect(h.raised()).toContain("cascade:ETH:high");
    const cascade = h.open().find((f) => f.kind === "cascade");
    expect(cascade?.evidence).toMatchObject({ count: 5, shortsLiquidated: 5, longsLiquidated: 0 });
    expect(cascade?.evidence.priceMovePct).toBeGreaterThan(0);
    h.observe(short(250, 30_000_000));
    expect(h.raised()).toContain("cascade:ETH:critical");
  });

  it("does not call 5 liquidations over more than 5 min a cascade", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    for (const s of [0, 80, 160, 240, 320]) {
      h.observe(fills(T0 + s * 1000, fill({ time: T0 + s * 1000, sz: 100 })));
    }
    expect(h.raised().some((r) => r.startsWith("cascade"))).toBe(false);
    // They were counted: one more makes 5 within 5 min (80 s to 330 s).
    h.observe(fills(T0 + 330_000, fill({ time: T0 + 330_000, sz: 100 })));
    expect(h.raised().filter((r) => r.startsWith("cascade"))).toEqual(["cascade:ETH:high"]);
  });

  it("raises a market-wide cascade when three coins cascade together", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    for (const coin of ["BTC", "ETH", "SOL"]) {
      for (let i = 0; i < 5; i++)
        h.observe(fills(T0 + i * 1000, fill({ coin, time: T0 + i * 1000, sz: 10 })));
    }
    expect(h.raised()).toContain("market-cascade:hyperliquid:critical");
  });

  it("makes ADL against the liquidator vault critical", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    h.observe(
      fills(
        T0,
        fill({
          dir: "Auto-Deleveraging",
          side: "B",
          sz: 5,
          liquidation: { liquidatedUser: LIQ, markPx: 1915, method: "backstop" },
        }),
      ),
    );
    expect(h.raised()).toContain("adl:ETH:critical");
    expect(h.open().find((f) => f.kind === "adl")?.evidence).toMatchObject({
      againstLiquidator: true,
      shortsLiquidated: 1,
    });
  });

  it("grades other ADL by its notional: medium under $1M, high from it", () => {
    for (const [sz, expected] of [
      [5, "adl:ETH:medium"],
      [600, "adl:ETH:high"],
    ] as const) {
      const h = detectorHarness(liquidationsDetector);
      h.observe(family);
      h.observe(
        fills(
          T0,
          fill({
            dir: "Auto-Deleveraging",
            side: "B",
            sz,
            liquidation: { liquidatedUser: WHALE, markPx: 1915, method: "market" },
          }),
        ),
      );
      expect(h.raised().filter((r) => r.startsWith("adl:"))).toEqual([expected]);
    }
  });

  it("flags the same account liquidated 3 times for $1M within an hour", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    const hit = (s: number) =>
      fills(
        T0 + s * 1000,
        fill({
          time: T0 + s * 1000,
          coin: `C${s}`,
          sz: 400_000 / 1915,
          liquidation: { liquidatedUser: WHALE, markPx: 1915, method: "market" },
        }),
      );
    h.observe(hit(0));
    h.observe(hit(1200));
    expect(h.raised().some((r) => r.startsWith("repeat"))).toBe(false);
    h.observe(hit(2400));
    expect(h.raised()).toContain(`repeat:${WHALE}:high`);
  });

  it("raises nothing for fills older than the event age limit (a snapshot on connect)", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    h.observe(
      {
        type: "fills",
        time: T0,
        user: LIQ,
        fills: [fill({ time: T0 - 3_600_000, sz: 160_234 })],
        snapshot: true,
      },
      T0,
    );
    expect(h.changes).toEqual([]);
  });

  it("uses notional (px × size), not realised PnL", () => {
    const h = detectorHarness(liquidationsDetector);
    h.observe(family);
    h.observe(
      fills(
        T0,
        fill({
          px: 50_000,
          sz: 30,
          closedPnl: -10,
          liquidation: { liquidatedUser: WHALE, markPx: 50_000, method: "market" },
        }),
      ),
    );
    expect(h.raised()).toContain("large-liquidation:ETH:high");
  });
});
