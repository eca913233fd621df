/**
 * 12 Mar 2025: an ETH whale's 160,234 ETH long is backstop-liquidated into the HLP liquidator at
 * about $1,915; HLP unwinds it at a loss of about $4M. RECONSTRUCTION: prices follow the real
 * Hyperliquid ETH/BTC/SOL 15m candles; the takeover size and price are the reported figures; the
 * takeover time (08:17:30 UTC) is inferred from the real 08:15 candle (157,631 ETH traded, range
 * 1,872.4–1,928 containing 1,915) and the unwind is placed in the real high-volume candles
 * 09:15–10:30, whose prices give a $3.66M loss. HLP's PnL history before the incident, account values, open interest and the CEX
 * prices (set to the oracle price) are synthetic.
 */
import { seededRandom } from "@kamiyo/core";
import {
  type AssetState,
  candlePath,
  candlePoints,
  clearinghouseState,
  coinbaseTicker,
  DAY,
  FAMILY,
  familyAndListings,
  flatPortfolio,
  fundingSeries,
  HLP,
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
  withWaypoints,
} from "./lib.ts";

export const ETH_WHALE = {
  file: "eth-whale-2025-03-12.ndjson.gz",
  start: Date.UTC(2025, 2, 12, 8, 0),
  end: Date.UTC(2025, 2, 12, 11, 0),
  takeover: Date.UTC(2025, 2, 12, 8, 17, 30),
  takeoverPx: 1915,
  size: 160_234,
  whale: "0xf3f496c9486be5924a93d67e98298733bb47057c",
};

export function buildEthWhale(): { lines: number; hlpLossUsd: number } {
  const s = ETH_WHALE;
  const q = 15 * MINUTE;
  const rand = seededRandom(20250312);
  const ethCandles = readCandles("ETH_USDC_USDC-15m-futures.20250310-20250314.csv");
  // The 08:15 candle, made to pass 1,915 at the takeover on its way to the candle's real low.
  const ethPoints = withWaypoints(
    candlePoints(ethCandles, q),
    Date.UTC(2025, 2, 12, 8, 15),
    Date.UTC(2025, 2, 12, 8, 30),
    [
      [Date.UTC(2025, 2, 12, 8, 15), 1926.3],
      [Date.UTC(2025, 2, 12, 8, 16, 30), 1928.0],
      [s.takeover, s.takeoverPx],
      [Date.UTC(2025, 2, 12, 8, 21), 1872.4],
      [Date.UTC(2025, 2, 12, 8, 29, 59), 1915.8],
    ],
  );
  const eth = (t: number) => interpolate(ethPoints, t);
  const btc = candlePath(readCandles("BTC_USDC_USDC-15m-futures.20250310-20250314.csv"), q);
  const sol = candlePath(readCandles("SOL_USDC_USDC-15m-futures.20250310-20250314.csv"), q);
  const ethFunding = fundingSeries("ETH_USDC_USDC-1h-funding_rate.20250310-20250314.csv");

  // The liquidator sells the inherited long in equal chunks every 30 s from 09:15 to 10:30.
  const unwindFrom = Date.UTC(2025, 2, 12, 9, 15);
  const unwindTo = Date.UTC(2025, 2, 12, 10, 30);
  const chunks: { t: number; sz: number; px: number }[] = [];
  const n = (unwindTo - unwindFrom) / 30_000;
  for (let i = 0; i < n; i++) {
    const t = unwindFrom + i * 30_000;
    chunks.push({ t, sz: s.size / n, px: Math.round(eth(t) * 10) / 10 });
  }
  const liquidatorPosition = (t: number) => {
    if (t < s.takeover) return { size: 0, realized: 0 };
    let size = s.size;
    let realized = 0;
    for (const c of chunks) {
      if (c.t > t) break;
      size -= c.sz;
      realized += c.sz * (c.px - s.takeoverPx);
    }
    return { size: Math.max(0, size), realized };
  };
  const liquidatorPnl = (t: number) => {
    const p = liquidatorPosition(t);
    return p.realized + p.size * (eth(t) - s.takeoverPx);
  };

  // HLP: a steady synthetic baseline (about +$150k a day with noise) plus the liquidator's PnL.
  const noise = new Map<number, number>();
  const base = (t: number) => {
    const slot = Math.floor(t / q);
    if (!noise.has(slot)) noise.set(slot, (rand() - 0.5) * 50_000);
    return 60_000_000 + ((t - s.start) / DAY) * 150_000 + (noise.get(slot) ?? 0);
  };
  const hlpPnl = (t: number) => base(t) + liquidatorPnl(t);
  const hlpAccountValue = (t: number) => 408_000_000 + hlpPnl(t) - hlpPnl(s.start);

  const f = new ScenarioFile(
    "reconstruction",
    "12 Mar 2025 ETH whale: 160,234 ETH long backstop-liquidated into the HLP liquidator at ~$1,915; HLP loses ~$4M unwinding it. Prices from real Hyperliquid 15m candles; takeover time inferred from the 08:15 UTC candle volume; HLP history, account values, OI and CEX prices synthetic.",
    s.start,
    [
      "hippocritical/freqtrade_hyperliquid_download-data (ETH/BTC/SOL 15m candles, ETH funding)",
      "HYPERLIQUID.md §7 (size, price, loss)",
    ],
  );
  familyAndListings(f, s.start, ["BTC", "ETH", "SOL"]);
  f.info(s.start, { type: "perpsAtOpenInterestCap" }, []);

  for (const m of FAMILY.slice(1))
    f.info(s.start, { type: "portfolio", user: m.address }, flatPortfolio(s.start, 60_000_000));
  f.info(
    s.start,
    { type: "portfolio", user: STANDALONE_LIQUIDATOR },
    flatPortfolio(s.start, 60_000_000),
  );
  f.info(
    s.start,
    { type: "clearinghouseState", user: STANDALONE_LIQUIDATOR },
    clearinghouseState(s.start, 8_000_000, []),
  );
  for (let t = s.start; t <= s.end; t += 15_000) {
    const prices = { BTC: btc(t), ETH: eth(t), SOL: sol(t) };
    // The liquidator every 15 s; market and CEX prices every 30 s; the rest of the family every 5 min.
    const p = liquidatorPosition(t);
    const positions: PositionState[] =
      p.size > 0.5
        ? [{ coin: "ETH", szi: p.size, entryPx: s.takeoverPx, markPx: prices.ETH, leverage: 10 }]
        : [];
    f.info(
      t,
      { type: "clearinghouseState", user: LIQUIDATOR },
      clearinghouseState(t, 50_000_000 + liquidatorPnl(t), positions),
    );
    if (t % 30_000 !== 0) continue;
    const assets: AssetState[] = [
      asset("BTC", 5, 40, prices.BTC, 0.0000125, 14_000, 3.1e9),
      asset("ETH", 4, 25, prices.ETH, ethFunding(t), 650_000, 2.2e9),
      asset("SOL", 2, 20, prices.SOL, 0.0000125, 3_200_000, 6.5e8),
    ];
    f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    const oracle = Object.fromEntries(assets.map((a) => [a.name, a.oraclePx]));
    f.binance(t, {
      BTCUSDT: oracle.BTC as number,
      ETHUSDT: oracle.ETH as number,
      SOLUSDT: oracle.SOL as number,
    });
    f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0001, t, 1));
    for (const c of ["BTC", "ETH", "SOL"])
      f.coinbase(
        t,
        `/products/${c}-USD/ticker`,
        coinbaseTicker((oracle[c] as number) * 1.0001, t, Math.floor(t / 1000)),
      );
    // Background public trades between ordinary accounts.
    for (const [coin, price] of Object.entries(prices)) {
      f.ws(
        t + 137,
        tradesFrame([
          {
            coin,
            side: rand() < 0.5 ? "B" : "A",
            px: price,
            sz: coin === "SOL" ? 40 : coin === "ETH" ? 2.5 : 0.1,
            time: t + 137,
            tid: nextTid(),
            buyer: traderAddress(rand, "a"),
            seller: traderAddress(rand, "a"),
          },
        ]),
      );
    }
    if (t % (5 * MINUTE) !== 0) continue;
    f.info(t, { type: "portfolio", user: HLP }, portfolioAt(t, hlpPnl, hlpAccountValue));
    for (const m of FAMILY) {
      if (m.address === LIQUIDATOR) continue;
      const av = m.address === HLP ? 5_000_000 : 60_000_000;
      const pos: PositionState[] = m.name.startsWith("HLP Strategy")
        ? [
            { coin: "BTC", szi: 12, entryPx: prices.BTC * 0.999, markPx: prices.BTC },
            { coin: "SOL", szi: -9_000, entryPx: prices.SOL * 1.001, markPx: prices.SOL },
          ]
        : [];
      f.info(t, { type: "clearinghouseState", user: m.address }, clearinghouseState(t, av, pos));
    }
  }

  // The takeover: the public trade (liquidator buys) and the liquidator's own backstop fill.
  const tid = nextTid();
  f.ws(
    s.takeover,
    tradesFrame([
      {
        coin: "ETH",
        side: "A",
        px: s.takeoverPx,
        sz: s.size,
        time: s.takeover,
        tid,
        buyer: LIQUIDATOR,
        seller: s.whale,
      },
    ]),
  );
  f.ws(
    s.takeover,
    userFillsFrame(LIQUIDATOR, [
      {
        coin: "ETH",
        px: s.takeoverPx,
        sz: s.size,
        side: "B",
        time: s.takeover,
        startPosition: 0,
        dir: "Liquidated Cross Long",
        closedPnl: 0,
        tid,
        liquidation: { liquidatedUser: s.whale, markPx: s.takeoverPx, method: "backstop" },
      },
    ]),
  );
  // The unwind: public trades with the liquidator selling, and its closing fills.
  let left = s.size;
  for (const c of chunks) {
    const ctid = nextTid();
    const buyer = traderAddress(rand, "a");
    f.ws(
      c.t + 250,
      tradesFrame([
        {
          coin: "ETH",
          side: "B",
          px: c.px,
          sz: c.sz,
          time: c.t + 250,
          tid: ctid,
          buyer,
          seller: LIQUIDATOR,
        },
      ]),
    );
    f.ws(
      c.t + 250,
      userFillsFrame(LIQUIDATOR, [
        {
          coin: "ETH",
          px: c.px,
          sz: c.sz,
          side: "A",
          time: c.t + 250,
          startPosition: left,
          dir: "Close Long",
          closedPnl: c.sz * (c.px - s.takeoverPx),
          tid: ctid,
        },
      ]),
    );
    left -= c.sz;
  }
  const lines = f.save(s.file);
  return { lines, hlpLossUsd: liquidatorPosition(s.end).realized };
}

function asset(
  name: string,
  szDecimals: number,
  maxLeverage: number,
  mark: number,
  funding: number,
  oi: number,
  vlm: number,
): AssetState {
  const premium = (funding - 0.0000125) * 0.5;
  return {
    name,
    szDecimals,
    maxLeverage,
    markPx: mark,
    oraclePx: mark / (1 + premium),
    midPx: mark,
    funding,
    openInterest: oi,
    dayNtlVlm: vlm,
    prevDayPx: mark,
  };
}
