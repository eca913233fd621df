/**
 * 27 Mar 2025, a quiet day: the monitor should raise nothing at high or critical. Prices follow
 * the real Hyperliquid BTC, ETH and SOL 5m candles of that day (its ranges were the smallest of
 * the 24–29 Mar window: BTC 2.35 %, ETH 2.52 %, SOL 3.39 %), ETH funding is the real hourly
 * series. HLP's account value ($195.1M) and cumulative PnL ($60.71M) at the start are the real
 * ones (the `allTime` point of 26 Mar 2025 23:50 UTC in a recorded HLP `portfolio` response,
 * Aditya-galaxy/hyperion proof/tests/fixtures/portfolio_hlp.json; not copied here, it has no
 * licence), and so is its fee drift: $48.4k a day, the mean of 13 Mar–10 Apr 2025 in the same
 * series.
 *
 * RECONSTRUCTION for the rest, with the noise derived from the real candles (market-noise.ts):
 * - Oracle, Binance and Coinbase prices: the oracle is the mark offset by a draw of
 *   `venueOffset`, and Binance and Coinbase are the oracle each offset by its own draw. A draw is
 *   a real close-to-next-open gap of the coin's 5m candles of 24–29 Mar (the tick-level step
 *   between trades) plus 0.1 × the real (high − low)/close of the candle at that minute × a
 *   uniform draw in (−1, 1), 0.1 = √(3 s / 5 min) being the share of a 5-minute range covered
 *   in the oracle's 3 s publication interval. In this file that gives
 *   offsets from the oracle of median 0.6 / 0.9 / 1.6 bps and 99th percentile 3 / 5 / 8 bps for
 *   BTC / ETH / SOL (measured on the built file); Coinbase also carries the USDT-USD rate (1.0001).
 * - HLP's PnL: `marketMakerPnl`, minute by minute from a day before the start: the fee drift, an
 *   inventory in each of BTC, ETH and SOL (mean-reverting, half-life 3 h, σ $150k) earning the
 *   coin's real candle return, and a Student-t (3 d.o.f.) residual of scale $120 a minute. The
 *   parameters are set so the moves look like HLP's recorded ones (Sep–Oct 2026, read from the
 *   unlicensed recordings named in the README, at a $183M account value): recorded 15–40 min
 *   moves median $812, 90th percentile $2.3k, 99th $3.5k, largest $4.4k; this file's 15-min
 *   moves (48 h of portfolio points) median $764, 90th percentile $1.8k, 99th $3.0k, largest
 *   $4.0k.
 * - HLP's own clearinghouse account holds 23.7 % of its account value (the perp account's share
 *   in the same recording); open interest, volumes, the family's positions and the public trades
 *   between ordinary accounts are synthetic, as before.
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
import { marketMakerPnl, venueOffset } from "./market-noise.ts";

/** HLP at the start of the day (real, see above). */
const HLP_ACCOUNT_VALUE = 195_096_424;
const HLP_PNL = 60_713_462;
const HLP_FEES_PER_DAY = 48_400;
/** Share of HLP's account value in its own (parent) clearinghouse account. */
const PARENT_SHARE = 0.237;

export const QUIET_DAY = {
  file: "quiet-day-2025-03-27.ndjson.gz",
  start: Date.UTC(2025, 2, 27, 0, 0),
  end: Date.UTC(2025, 2, 28, 0, 0),
};

export function buildQuietDay(): { lines: number } {
  const s = QUIET_DAY;
  const rand = seededRandom(20250327);
  const m5 = 5 * MINUTE;
  const candles = {
    BTC: readCandles("BTC_USDC_USDC-5m-futures.20250324-20250329.csv"),
    ETH: readCandles("ETH_USDC_USDC-5m-futures.20250324-20250329.csv"),
    SOL: readCandles("SOL_USDC_USDC-5m-futures.20250324-20250329.csv"),
  };
  const paths = {
    BTC: candlePath(candles.BTC, m5),
    ETH: candlePath(candles.ETH, m5),
    SOL: candlePath(candles.SOL, m5),
  };
  const ethFunding = fundingSeries("ETH_USDC_USDC-1h-funding_rate.20250324-20250329.csv");
  const spec = {
    BTC: [5, 40, 14_500, 2.6e9],
    ETH: [4, 25, 640_000, 1.7e9],
    SOL: [2, 20, 3_100_000, 5e8],
  } as const;
  const noiseRand = seededRandom(27032025);
  const offsets = Object.fromEntries(
    (["BTC", "ETH", "SOL"] as const).map((c) => [
      c,
      {
        oracle: venueOffset(candles[c], noiseRand),
        binance: venueOffset(candles[c], noiseRand),
        coinbase: venueOffset(candles[c], noiseRand),
      },
    ]),
  ) as Record<
    "BTC" | "ETH" | "SOL",
    Record<"oracle" | "binance" | "coinbase", (t: number) => number>
  >;

  // HLP's PnL wiggles from a day before the start (the first portfolio shows the last 24 h);
  // the older, coarser periods (week, month, all time) extend it with the fee drift.
  const simulated = marketMakerPnl(
    [paths.BTC, paths.ETH, paths.SOL],
    s.start - DAY,
    s.end,
    HLP_PNL,
    {
      feesPerDay: HLP_FEES_PER_DAY,
      inventoryUsd: 150_000,
      inventoryHalfLifeMs: 3 * HOUR,
      residualUsd: 120,
    },
    seededRandom(3272025),
  );
  const origin = simulated(s.start);
  const hlpPnl = (t: number) =>
    t >= s.start - DAY
      ? simulated(t) - origin + HLP_PNL
      : simulated(s.start - DAY) -
        origin +
        HLP_PNL -
        ((s.start - DAY - t) / DAY) * HLP_FEES_PER_DAY;
  const hlpAccountValue = (t: number) => HLP_ACCOUNT_VALUE - HLP_PNL + hlpPnl(t);

  const f = new ScenarioFile(
    "reconstruction",
    "27 Mar 2025 quiet day: real Hyperliquid BTC/ETH/SOL 5m candles and real ETH funding; HLP's account value and PnL at the start real. Oracle and CEX prices follow the candles with offsets drawn from the candles' real dispersion; HLP's PnL a market maker's on the real returns; OI, volumes, family positions and background trades synthetic.",
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
        oraclePx: (prices[c] / (1 + premium)) * (1 + offsets[c].oracle(t)),
        midPx: prices[c],
        funding: funding[c],
        openInterest: oi * (1 + 0.03 * Math.sin((t - s.start) / (3 * HOUR))),
        dayNtlVlm: vlm,
        prevDayPx: prices[c],
      };
    });
    f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    const off = (a: AssetState) => offsets[a.name as "BTC" | "ETH" | "SOL"];
    f.binance(
      t,
      Object.fromEntries(
        assets.map((a) => [`${a.name}USDT`, a.oraclePx * (1 + off(a).binance(t))]),
      ),
    );
    f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0001, t, 1));
    for (const a of assets)
      f.coinbase(
        t,
        `/products/${a.name}-USD/ticker`,
        coinbaseTicker(a.oraclePx * 1.0001 * (1 + off(a).coinbase(t)), t, Math.floor(t / 1000)),
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
          m.address === HLP
            ? PARENT_SHARE * hlpAccountValue(t)
            : m.address === LIQUIDATOR
              ? 40_000_000
              : 60_000_000;
        f.info(t, { type: "clearinghouseState", user: m.address }, clearinghouseState(t, av, pos));
      }
    }
    if (t % (15 * MINUTE) === 0)
      f.info(t, { type: "portfolio", user: HLP }, portfolioAt(t, hlpPnl, hlpAccountValue));
  }
  return { lines: f.save(s.file) };
}
