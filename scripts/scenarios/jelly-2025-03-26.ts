/**
 * 26 Mar 2025: the JELLY (JELLYJELLY) squeeze. A trader's ~430M JELLY short opened at 0.0095 is
 * backstop-liquidated into the HLP liquidator (~398M JELLY); JELLY then rises more than 4x on
 * Hyperliquid, far above the CEX price, taking the liquidator's unrealised loss to ~$12M, until
 * validators delist the market and settle it at 0.0095. RECONSTRUCTION: JELLY has no candles in
 * the data (the market was delisted), so its price path, the CEX reference price, open interest,
 * funding and all times are built from the reported figures (HYPERLIQUID.md §7); the times are
 * approximate (press times converted from UTC+8). BTC, ETH and SOL follow the real Hyperliquid 5m
 * candles of that day. HLP's PnL history and account values are synthetic.
 */
import { seededRandom } from "@kamiyo/core";
import {
  type AssetState,
  candlePath,
  clearinghouseState,
  coinbaseTicker,
  DAY,
  FAMILY,
  familyAndListings,
  flatPortfolio,
  fundingSeries,
  HLP,
  HOUR,
  interpolate,
  LIQUIDATOR,
  MINUTE,
  metaAndAssetCtxs,
  nextTid,
  type PositionState,
  portfolioAt,
  readCandles,
  ScenarioFile,
  STANDALONE_LIQUIDATOR,
  traderAddress,
  tradesFrame,
  userFillsFrame,
} from "./lib.ts";

export const JELLY = {
  file: "jelly-2025-03-26.ndjson.gz",
  start: Date.UTC(2025, 2, 26, 12, 30),
  end: Date.UTC(2025, 2, 26, 16, 0),
  shortOpened: Date.UTC(2025, 2, 26, 12, 53),
  takeover: Date.UTC(2025, 2, 26, 13, 5),
  delisted: Date.UTC(2025, 2, 26, 15, 30),
  traderShort: 430_000_000,
  inherited: 398_000_000,
  openPx: 0.0095,
  takeoverPx: 0.0098,
  settlePx: 0.0095,
  peakPx: 0.04,
  trader: "0xde95d4ac3d7a5f5e1e6cde0bb5bd5b6d2ad1b6e9",
};

export function buildJelly(): { lines: number; worstLossUsd: number; peakMultiple: number } {
  const s = JELLY;
  const rand = seededRandom(20250326);
  const m5 = 5 * MINUTE;
  const btc = candlePath(readCandles("BTC_USDC_USDC-5m-futures.20250324-20250329.csv"), m5);
  const eth = candlePath(readCandles("ETH_USDC_USDC-5m-futures.20250324-20250329.csv"), m5);
  const sol = candlePath(readCandles("SOL_USDC_USDC-5m-futures.20250324-20250329.csv"), m5);
  const ethFunding = fundingSeries("ETH_USDC_USDC-1h-funding_rate.20250324-20250329.csv");

  // JELLY on Hyperliquid: quiet near 0.009, the short at 0.0095, a squeeze to 0.040 (4.2x) by
  // 14:25, a choppy top, and the settlement price after delisting. Noise ±1.5 % a step.
  const hlWaypoints: [number, number][] = [
    [s.start, 0.0089],
    [s.shortOpened, s.openPx],
    [s.takeover, s.takeoverPx],
    [Date.UTC(2025, 2, 26, 13, 30), 0.0152],
    [Date.UTC(2025, 2, 26, 13, 55), 0.0261],
    [Date.UTC(2025, 2, 26, 14, 25), s.peakPx],
    [Date.UTC(2025, 2, 26, 14, 50), 0.0318],
    [Date.UTC(2025, 2, 26, 15, 10), 0.0377],
    [s.delisted - 1, 0.0352],
    [s.delisted, s.settlePx],
    [s.end, s.settlePx],
  ];
  // The CEX reference moves with Hyperliquid until the takeover, then rises far less (about 2x at the top).
  const cexWaypoints: [number, number][] = [
    [s.start, 0.0089],
    [s.shortOpened, s.openPx],
    [s.takeover, s.takeoverPx],
    [Date.UTC(2025, 2, 26, 13, 55), 0.0142],
    [Date.UTC(2025, 2, 26, 14, 25), 0.0196],
    [Date.UTC(2025, 2, 26, 15, 10), 0.0181],
    [s.end, 0.0178],
  ];
  const noise = new Map<number, number>();
  const noiseAt = (k: number) => {
    if (!noise.has(k)) noise.set(k, 1 + (rand() - 0.5) * 0.006);
    return noise.get(k) ?? 1;
  };
  // Noise knots every minute, interpolated, so the path wiggles without jumping.
  const jitter = (t: number) => {
    const k = Math.floor(t / MINUTE);
    const w = (t - k * MINUTE) / MINUTE;
    return noiseAt(k) * (1 - w) + noiseAt(k + 1) * w;
  };
  const jellyHl = (t: number) =>
    t >= s.delisted ? s.settlePx : interpolate(hlWaypoints, t) * (t > s.takeover ? jitter(t) : 1);
  const jellyCex = (t: number) => interpolate(cexWaypoints, t);

  const liquidatorPnl = (t: number) =>
    t < s.takeover
      ? 0
      : t >= s.delisted
        ? s.inherited * (s.takeoverPx - s.settlePx)
        : -s.inherited * (jellyHl(t) - s.takeoverPx);
  const pnlNoise = new Map<number, number>();
  const base = (t: number) => {
    const slot = Math.floor(t / (15 * MINUTE));
    if (!pnlNoise.has(slot)) pnlNoise.set(slot, (rand() - 0.5) * 50_000);
    return 60_000_000 + ((t - s.start) / DAY) * 150_000 + (pnlNoise.get(slot) ?? 0);
  };
  const hlpPnl = (t: number) => base(t) + liquidatorPnl(t);
  const hlpAccountValue = (t: number) => 230_000_000 + hlpPnl(t) - hlpPnl(s.start);

  const f = new ScenarioFile(
    "reconstruction",
    "26 Mar 2025 JELLY squeeze: ~398M JELLY short backstop-liquidated into the HLP liquidator, JELLY >4x on Hyperliquid far above the CEX price, liquidator unrealised loss ~$12M, then delisting and settlement at 0.0095. JELLY prices, CEX reference, OI, funding and times reconstructed from reported figures; BTC/ETH/SOL from real 5m candles; HLP history synthetic.",
    s.start,
    [
      "HYPERLIQUID.md §7 (JELLY figures)",
      "hippocritical/freqtrade_hyperliquid_download-data (BTC/ETH/SOL 5m candles, ETH funding)",
    ],
  );
  familyAndListings(f, s.start, ["BTC", "ETH", "SOL"]);
  for (const m of [...FAMILY.slice(1).map((x) => x.address), STANDALONE_LIQUIDATOR])
    f.info(s.start, { type: "portfolio", user: m }, flatPortfolio(s.start, 45_000_000));
  f.info(
    s.start,
    { type: "clearinghouseState", user: STANDALONE_LIQUIDATOR },
    clearinghouseState(s.start, 8_000_000, []),
  );

  let worstLoss = 0;
  let peak = 0;
  for (let t = s.start; t <= s.end; t += 5_000) {
    const squeeze = t >= s.shortOpened - 5 * MINUTE && t < s.delisted + 5 * MINUTE;
    const hl = jellyHl(t);
    peak = Math.max(peak, hl);
    if (t % 15_000 === 0) {
      const positions: PositionState[] =
        t >= s.takeover && t < s.delisted
          ? [{ coin: "JELLY", szi: -s.inherited, entryPx: s.takeoverPx, markPx: hl, leverage: 3 }]
          : [];
      worstLoss = Math.min(worstLoss, liquidatorPnl(t));
      f.info(
        t,
        { type: "clearinghouseState", user: LIQUIDATOR },
        clearinghouseState(t, 40_000_000 + liquidatorPnl(t), positions),
      );
    }
    if (!squeeze && t % 30_000 !== 0) continue;
    const cex = jellyCex(t);
    // The oracle is a weighted median of CEX spot prices with Hyperliquid's own spot at a small weight.
    const oracle = t >= s.delisted ? s.settlePx : cex * (1 + 0.05 * (hl / cex - 1));
    const premium = hl / oracle - 1;
    const oi =
      t < s.shortOpened
        ? 150_000_000
        : t < s.delisted
          ? 150_000_000 + s.traderShort + Math.min(1, (t - s.takeover) / HOUR) * 60_000_000
          : 0;
    const prices = { BTC: btc(t), ETH: eth(t), SOL: sol(t) };
    const assets: AssetState[] = [
      major("BTC", 5, 40, prices.BTC, 0.0000125, 14_000, 2.8e9),
      major("ETH", 4, 25, prices.ETH, ethFunding(t), 640_000, 1.9e9),
      major("SOL", 2, 20, prices.SOL, 0.0000125, 3_100_000, 5.8e8),
      {
        name: "JELLY",
        szDecimals: 0,
        maxLeverage: 3,
        markPx: hl,
        oraclePx: oracle,
        midPx: t >= s.delisted ? null : hl,
        funding: Math.max(
          -0.04,
          Math.min(0.04, t > s.takeover && t < s.delisted ? premium / 8 : 0.0000125),
        ),
        openInterest: oi,
        dayNtlVlm:
          t < s.shortOpened
            ? 3_100_000
            : 3_100_000 + Math.min(1, (t - s.shortOpened) / (2 * HOUR)) * 55_000_000,
        prevDayPx: 0.0087,
        isDelisted: t >= s.delisted,
        impactSpread: t < s.takeover ? 0.012 : 0.035,
      },
    ];
    f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    f.binance(t, { BTCUSDT: prices.BTC, ETHUSDT: prices.ETH, SOLUSDT: prices.SOL, JELLYUSDT: cex });
    if (t % 30_000 === 0) {
      f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0001, t, 1));
      for (const c of ["BTC", "ETH", "SOL"] as const)
        f.coinbase(
          t,
          `/products/${c}-USD/ticker`,
          coinbaseTicker(prices[c] * 1.0001, t, Math.floor(t / 1000)),
        );
      f.info(
        t,
        { type: "perpsAtOpenInterestCap" },
        t >= Date.UTC(2025, 2, 26, 13, 30) && t < s.delisted ? ["JELLY"] : [],
      );
      f.ws(
        t + 211,
        tradesFrame([
          {
            coin: "JELLY",
            side: rand() < 0.6 ? "B" : "A",
            px: hl,
            sz: 250_000,
            time: t + 211,
            tid: nextTid(),
            buyer: traderAddress(rand, "b"),
            seller: traderAddress(rand, "b"),
          },
        ]),
      );
    }
    if (t % (5 * MINUTE) === 0) {
      f.info(t, { type: "portfolio", user: HLP }, portfolioAt(t, hlpPnl, hlpAccountValue));
      for (const m of FAMILY) {
        if (m.address === LIQUIDATOR) continue;
        f.info(
          t,
          { type: "clearinghouseState", user: m.address },
          clearinghouseState(t, m.address === HLP ? 5_000_000 : 45_000_000, []),
        );
      }
    }
  }

  // 12:53: the short is opened against the trader's own long accounts.
  const openTid = nextTid();
  f.ws(
    s.shortOpened,
    tradesFrame([
      {
        coin: "JELLY",
        side: "A",
        px: s.openPx,
        sz: s.traderShort,
        time: s.shortOpened,
        tid: openTid,
        buyer: traderAddress(rand, "b"),
        seller: s.trader,
      },
    ]),
  );
  // 13:05: the backstop takeover of the remaining ~398M JELLY short by the HLP liquidator.
  const tid = nextTid();
  f.ws(
    s.takeover,
    tradesFrame([
      {
        coin: "JELLY",
        side: "B",
        px: s.takeoverPx,
        sz: s.inherited,
        time: s.takeover,
        tid,
        buyer: s.trader,
        seller: LIQUIDATOR,
      },
    ]),
  );
  f.ws(
    s.takeover,
    userFillsFrame(LIQUIDATOR, [
      {
        coin: "JELLY",
        px: s.takeoverPx,
        sz: s.inherited,
        side: "A",
        time: s.takeover,
        startPosition: 0,
        dir: "Liquidated Cross Short",
        closedPnl: 0,
        tid,
        liquidation: { liquidatedUser: s.trader, markPx: s.takeoverPx, method: "backstop" },
      },
    ]),
  );
  // 15:30: delisted and settled at 0.0095: the liquidator's short is closed at the settlement price.
  const settleTid = nextTid();
  f.ws(
    s.delisted + 1_000,
    userFillsFrame(LIQUIDATOR, [
      {
        coin: "JELLY",
        px: s.settlePx,
        sz: s.inherited,
        side: "B",
        time: s.delisted + 1_000,
        startPosition: -s.inherited,
        dir: "Close Short",
        closedPnl: s.inherited * (s.takeoverPx - s.settlePx),
        tid: settleTid,
      },
    ]),
  );
  return { lines: f.save(s.file), worstLossUsd: worstLoss, peakMultiple: peak / s.openPx };
}

function major(
  name: string,
  szDecimals: number,
  maxLeverage: number,
  mark: number,
  funding: number,
  oi: number,
  vlm: number,
): AssetState {
  return {
    name,
    szDecimals,
    maxLeverage,
    markPx: mark,
    oraclePx: mark / (1 + (funding - 0.0000125) * 0.5),
    midPx: mark,
    funding,
    openInterest: oi,
    dayNtlVlm: vlm,
    prevDayPx: mark,
  };
}
