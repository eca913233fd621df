/**
 * 10 Oct 2025: the liquidation cascade and Hyperliquid's first cross-margin ADL. What a public
 * monitor sees: the HLP liquidator taking over liquidated longs from 21:15:03.127 UTC, then
 * auto-deleveraging against it from 21:16:04.831 UTC (in one burst with thousands of fills at
 * that instant), through 21:27. RECONSTRUCTION from the documented timings and per-coin totals
 * in HYPERLIQUID.md §7 (which cites ConejoCapital's HyperMultiAssetedADL analysis; none of its
 * files are copied here): the liquidator's takeovers per coin are sized to the documented ADL
 * totals (BTC $621M, ETH $458M, SOL $276M, HYPE $190M), i.e. what it later had to deleverage;
 * fill counts are scaled down (the real cascade had 63,637 liquidation and 34,983 ADL fills);
 * prices, open interest, CEX prices and HLP's PnL history are approximations, not data.
 */
import { seededRandom } from "@kamiyo/core";
import {
  type AssetState,
  clearinghouseState,
  coinbaseTicker,
  DAY,
  FAMILY,
  type FillSpec,
  familyAndListings,
  flatPortfolio,
  HLP,
  interpolate,
  LIQUIDATOR,
  MINUTE,
  metaAndAssetCtxs,
  nextTid,
  type PositionState,
  portfolioAt,
  ScenarioFile,
  STANDALONE_LIQUIDATOR,
  traderAddress,
  tradesFrame,
  userFillsFrame,
} from "./lib.ts";

const T = (h: number, m: number, s = 0, ms = 0) => Date.UTC(2025, 9, 10, h, m, s, ms);

export const CASCADE = {
  file: "cascade-2025-10-10.ndjson.gz",
  start: T(21, 0),
  end: T(21, 35),
  firstLiquidation: T(21, 15, 3, 127),
  firstAdl: T(21, 16, 4, 831),
  adlEnd: T(21, 27),
};

interface Coin {
  name: string;
  adlUsd: number;
  takeovers: number;
  adls: number;
  /** Approximate price waypoints (not data). */
  path: [number, number][];
  oi: number;
  vlm: number;
  szDecimals: number;
  maxLeverage: number;
}

const COINS: Coin[] = [
  {
    name: "BTC",
    adlUsd: 621e6,
    takeovers: 120,
    adls: 150,
    path: [
      [T(21, 0), 112_000],
      [T(21, 15), 111_400],
      [T(21, 20), 104_600],
      [T(21, 27), 107_200],
      [T(21, 35), 108_300],
    ],
    oi: 36_000,
    vlm: 5.5e9,
    szDecimals: 5,
    maxLeverage: 40,
  },
  {
    name: "ETH",
    adlUsd: 458e6,
    takeovers: 100,
    adls: 120,
    path: [
      [T(21, 0), 3_790],
      [T(21, 15), 3_765],
      [T(21, 20), 3_440],
      [T(21, 27), 3_560],
      [T(21, 35), 3_600],
    ],
    oi: 900_000,
    vlm: 3.8e9,
    szDecimals: 4,
    maxLeverage: 25,
  },
  {
    name: "SOL",
    adlUsd: 276e6,
    takeovers: 80,
    adls: 90,
    path: [
      [T(21, 0), 190],
      [T(21, 15), 188.5],
      [T(21, 20), 167.8],
      [T(21, 27), 175.9],
      [T(21, 35), 178],
    ],
    oi: 8_500_000,
    vlm: 1.1e9,
    szDecimals: 2,
    maxLeverage: 20,
  },
  {
    name: "HYPE",
    adlUsd: 190e6,
    takeovers: 60,
    adls: 70,
    path: [
      [T(21, 0), 42],
      [T(21, 15), 41.7],
      [T(21, 20), 36.4],
      [T(21, 27), 38.6],
      [T(21, 35), 39],
    ],
    oi: 30_000_000,
    vlm: 9e8,
    szDecimals: 2,
    maxLeverage: 10,
  },
];

export function buildCascade(): {
  lines: number;
  takeoverUsd: number;
  adlUsd: number;
  fills: number;
} {
  const s = CASCADE;
  const rand = seededRandom(20251010);
  const priceOf = (c: Coin, t: number) => interpolate(c.path, t);

  // Each coin's takeovers: a share spread from the first liquidation, the rest in the burst at
  // 21:16:04.831; its ADL fills: a share in that same burst, the rest decaying until 21:27.
  const takeovers: Record<string, FillSpec[]> = {};
  const adls: Record<string, FillSpec[]> = {};
  for (const c of COINS) {
    const sizes = weights(c.takeovers, rand).map((w) => w * c.adlUsd);
    let held = 0;
    takeovers[c.name] = sizes.map((usdSize, i) => {
      const inBurst = i >= Math.floor(c.takeovers * 0.6);
      const t =
        i === 0
          ? s.firstLiquidation
          : inBurst
            ? s.firstAdl
            : s.firstLiquidation +
              Math.floor(((s.firstAdl - s.firstLiquidation - 500) * i) / (c.takeovers * 0.6));
      const px = priceOf(c, t) * (1 - rand() * 0.002);
      const sz = usdSize / px;
      const fill: FillSpec = {
        coin: c.name,
        px,
        sz,
        side: "B",
        time: t,
        startPosition: held,
        dir: "Liquidated Cross Long",
        closedPnl: 0,
        tid: nextTid(),
        liquidation: {
          liquidatedUser: traderAddress(rand, "c"),
          markPx: priceOf(c, t),
          method: "backstop",
        },
      };
      held += sz;
      return fill;
    });
    const adlSizes = weights(c.adls, rand).map((w) => w * held);
    let left = held;
    adls[c.name] = adlSizes.map((sz, i) => {
      const inBurst = i < Math.floor(c.adls * 0.4);
      const frac = (i - c.adls * 0.4) / (c.adls * 0.6);
      const t = inBurst
        ? s.firstAdl
        : s.firstAdl + 1_000 + Math.floor((s.adlEnd - s.firstAdl - 1_000) * frac ** 2);
      const px = priceOf(c, t);
      const fill: FillSpec = {
        coin: c.name,
        px,
        sz,
        side: "A",
        time: t,
        startPosition: left,
        dir: "Auto-Deleveraging",
        closedPnl: 0,
        tid: nextTid(),
        liquidation: { liquidatedUser: LIQUIDATOR, markPx: px, method: "backstop" },
      };
      left -= sz;
      return fill;
    });
  }
  const all = Object.values(takeovers).flat().concat(Object.values(adls).flat());
  /** The liquidator's long in a coin at `t`: taken over minus deleveraged, at the average takeover price. */
  const position = (coin: string, t: number) => {
    let taken = 0;
    let cost = 0;
    let deleveraged = 0;
    for (const x of takeovers[coin] ?? []) {
      if (x.time > t) continue;
      taken += x.sz;
      cost += x.sz * x.px;
    }
    for (const x of adls[coin] ?? []) if (x.time <= t) deleveraged += x.sz;
    return { szi: Math.max(0, taken - deleveraged), entry: taken > 0 ? cost / taken : 0 };
  };

  const f = new ScenarioFile(
    "reconstruction",
    "10 Oct 2025 liquidation cascade: HLP liquidator takeovers from 21:15:03.127 UTC, first cross-margin ADL at 21:16:04.831 in one burst, ADL until 21:27. Timings and per-coin ADL totals from HYPERLIQUID.md §7; fill counts scaled down; prices, OI and HLP history approximate.",
    s.start,
    ["HYPERLIQUID.md §7 (timings, per-coin totals)"],
  );
  familyAndListings(f, s.start, ["BTC", "ETH", "SOL"]);
  f.info(s.start, { type: "perpsAtOpenInterestCap" }, []);
  for (const m of [...FAMILY.slice(1).map((x) => x.address), STANDALONE_LIQUIDATOR])
    f.info(s.start, { type: "portfolio", user: m }, flatPortfolio(s.start, 55_000_000));
  f.info(
    s.start,
    { type: "clearinghouseState", user: STANDALONE_LIQUIDATOR },
    clearinghouseState(s.start, 8_000_000, []),
  );

  const hlpPnl = (t: number) =>
    70_000_000 +
    ((t - s.start) / DAY) * 150_000 +
    (t > s.firstAdl ? Math.min(1, (t - s.firstAdl) / (10 * MINUTE)) * 40_000_000 : 0);
  const hlpAccountValue = (t: number) => 420_000_000 + hlpPnl(t) - hlpPnl(s.start);

  for (let t = s.start; t <= s.end; t += 5_000) {
    const busy = t >= T(21, 14) && t <= T(21, 30);
    if (t % 15_000 === 0) {
      const positions: PositionState[] = COINS.flatMap((c) => {
        const p = position(c.name, t);
        return p.szi > 0
          ? [{ coin: c.name, szi: p.szi, entryPx: p.entry, markPx: priceOf(c, t), leverage: 5 }]
          : [];
      });
      f.info(
        t,
        { type: "clearinghouseState", user: LIQUIDATOR },
        clearinghouseState(t, 60_000_000, positions),
      );
    }
    if (!busy && t % 30_000 !== 0) continue;
    const crash = Math.max(0, Math.min(1, (t - s.firstLiquidation) / (5 * MINUTE)));
    const assets: AssetState[] = COINS.map((c) => {
      const px = priceOf(c, t);
      return {
        name: c.name,
        szDecimals: c.szDecimals,
        maxLeverage: c.maxLeverage,
        markPx: px,
        oraclePx: px,
        midPx: px,
        funding: 0.0000125,
        openInterest: c.oi * (1 - 0.25 * crash),
        dayNtlVlm: c.vlm * (1 + 2 * crash),
        prevDayPx: c.path[0]?.[1] ?? px,
      };
    });
    f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    f.binance(
      t,
      Object.fromEntries(
        assets.filter((a) => a.name !== "HYPE").map((a) => [`${a.name}USDT`, a.oraclePx]),
      ),
    );
    if (t % 30_000 === 0) {
      f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0002, t, 1));
      for (const a of assets)
        if (a.name !== "HYPE")
          f.coinbase(
            t,
            `/products/${a.name}-USD/ticker`,
            coinbaseTicker(a.oraclePx * 1.0002, t, Math.floor(t / 1000)),
          );
    }
    if (t % (5 * MINUTE) === 0) {
      f.info(t, { type: "portfolio", user: HLP }, portfolioAt(t, hlpPnl, hlpAccountValue));
      for (const m of FAMILY)
        if (m.address !== LIQUIDATOR)
          f.info(
            t,
            { type: "clearinghouseState", user: m.address },
            clearinghouseState(t, m.address === HLP ? 5_000_000 : 55_000_000, []),
          );
    }
  }
  // Fills go out in frames per coin and instant, as Hyperliquid batches them per block; each
  // takeover also appears as a public trade with the liquidator buying.
  const byInstant = new Map<string, FillSpec[]>();
  for (const fill of all) {
    const key = `${fill.time}|${fill.coin}|${fill.dir}`;
    byInstant.set(key, [...(byInstant.get(key) ?? []), fill]);
  }
  for (const group of byInstant.values()) {
    const first = group[0] as FillSpec;
    if (first.dir !== "Auto-Deleveraging") {
      f.ws(
        first.time,
        tradesFrame(
          group.map((x) => ({
            coin: x.coin,
            side: "A" as const,
            px: x.px,
            sz: x.sz,
            time: x.time,
            tid: x.tid,
            buyer: LIQUIDATOR,
            seller: x.liquidation?.liquidatedUser ?? traderAddress(rand, "c"),
          })),
        ),
      );
    }
    f.ws(first.time, userFillsFrame(LIQUIDATOR, group));
  }
  const takeoverUsd = Object.values(takeovers)
    .flat()
    .reduce((a, x) => a + x.px * x.sz, 0);
  const adlUsd = Object.values(adls)
    .flat()
    .reduce((a, x) => a + x.px * x.sz, 0);
  return { lines: f.save(s.file), takeoverUsd, adlUsd, fills: all.length };
}

/** `n` positive weights summing to 1, skewed (a few large fills, many small ones). */
function weights(n: number, rand: () => number): number[] {
  const raw = Array.from({ length: n }, () => Math.exp(rand() * 2.5));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / sum);
}
