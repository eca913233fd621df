/**
 * 27 Mar 2025, a quiet day: the monitor should raise nothing at high or critical. Prices follow
 * the real Hyperliquid BTC, ETH and SOL 5m candles of that day (its ranges were the smallest of
 * the 24–29 Mar window: BTC 2.35 %, ETH 2.52 %, SOL 3.39 %), ETH funding is the real hourly
 * series. RECONSTRUCTION for the rest: oracle and CEX prices follow the candles (no tick data
 * for them), open interest, volumes, HLP's PnL (a steady, noisy gain), the family's positions
 * and the public trades between ordinary accounts are synthetic.
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
} from "./lib.ts";

export const QUIET_DAY = {
  file: "quiet-day-2025-03-27.ndjson.gz",
  start: Date.UTC(2025, 2, 27, 0, 0),
  end: Date.UTC(2025, 2, 28, 0, 0),
};

export function buildQuietDay(): { lines: number } {
  const s = QUIET_DAY;
  const rand = seededRandom(20250327);
  const m5 = 5 * MINUTE;
  const paths = {
    BTC: candlePath(readCandles("BTC_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
    ETH: candlePath(readCandles("ETH_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
    SOL: candlePath(readCandles("SOL_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
  };
  const ethFunding = fundingSeries("ETH_USDC_USDC-1h-funding_rate.20250324-20250329.csv");
  const spec = {
    BTC: [5, 40, 14_500, 2.6e9],
    ETH: [4, 25, 640_000, 1.7e9],
    SOL: [2, 20, 3_100_000, 5e8],
  } as const;

  const noise = new Map<number, number>();
  const hlpPnl = (t: number) => {
    const slot = Math.floor(t / (15 * MINUTE));
    if (!noise.has(slot)) noise.set(slot, (rand() - 0.5) * 60_000);
    return 80_000_000 + ((t - s.start) / DAY) * 180_000 + (noise.get(slot) ?? 0);
  };
  const hlpAccountValue = (t: number) => 395_000_000 + hlpPnl(t);

  const f = new ScenarioFile(
    "reconstruction",
    "27 Mar 2025 quiet day: real Hyperliquid BTC/ETH/SOL 5m candles and real ETH funding; oracle and CEX prices follow the candles; OI, volumes, HLP PnL, family positions and background trades synthetic.",
    s.start,
    ["hippocritical/freqtrade_hyperliquid_download-data (BTC/ETH/SOL 5m candles, ETH funding)"],
  );
  familyAndListings(f, s.start, ["BTC", "ETH", "SOL"]);
  f.info(s.start, { type: "perpsAtOpenInterestCap" }, []);
  for (const m of [...FAMILY.slice(1).map((x) => x.address), STANDALONE_LIQUIDATOR])
    f.info(s.start, { type: "portfolio", user: m }, flatPortfolio(s.start, 60_000_000));

  for (let t = s.start; t <= s.end; t += MINUTE) {
    const prices = { BTC: paths.BTC(t), ETH: paths.ETH(t), SOL: paths.SOL(t) };
    const funding = { BTC: 0.0000125, ETH: ethFunding(t), SOL: 0.0000125 };
    const assets: AssetState[] = (["BTC", "ETH", "SOL"] as const).map((c) => {
      const [szDecimals, maxLeverage, oi, vlm] = spec[c];
      const premium = (funding[c] - 0.0000125) * 0.5;
      return {
        name: c,
        szDecimals,
        maxLeverage,
        markPx: prices[c],
        oraclePx: prices[c] / (1 + premium),
        midPx: prices[c],
        funding: funding[c],
        openInterest: oi * (1 + 0.03 * Math.sin((t - s.start) / (3 * HOUR))),
        dayNtlVlm: vlm,
        prevDayPx: prices[c],
      };
    });
    f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    f.binance(t, Object.fromEntries(assets.map((a) => [`${a.name}USDT`, a.oraclePx])));
    f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0001, t, 1));
    for (const a of assets)
      f.coinbase(
        t,
        `/products/${a.name}-USD/ticker`,
        coinbaseTicker(a.oraclePx * 1.0001, t, Math.floor(t / 1000)),
      );
    for (const [coin, px] of Object.entries(prices)) {
      f.ws(
        t + 311,
        tradesFrame([
          {
            coin,
            side: rand() < 0.5 ? "B" : "A",
            px,
            sz: coin === "SOL" ? 25 : coin === "ETH" ? 1.5 : 0.05,
            time: t + 311,
            tid: nextTid(),
            buyer: traderAddress(rand, "d"),
            seller: traderAddress(rand, "d"),
          },
        ]),
      );
    }
    if (t % (5 * MINUTE) === 0) {
      for (const m of [...FAMILY, { address: STANDALONE_LIQUIDATOR, name: "Liquidator" }]) {
        const strategy = m.name.startsWith("HLP Strategy");
        const pos: PositionState[] = strategy
          ? [
              { coin: "BTC", szi: 15, entryPx: prices.BTC * 0.9995, markPx: prices.BTC },
              { coin: "ETH", szi: -400, entryPx: prices.ETH * 1.0005, markPx: prices.ETH },
            ]
          : [];
        const av =
          m.address === HLP ? 5_000_000 : m.address === LIQUIDATOR ? 40_000_000 : 60_000_000;
        f.info(t, { type: "clearinghouseState", user: m.address }, clearinghouseState(t, av, pos));
      }
    }
    if (t % (15 * MINUTE) === 0)
      f.info(t, { type: "portfolio", user: HLP }, portfolioAt(t, hlpPnl, hlpAccountValue));
  }
  return { lines: f.save(s.file) };
}
