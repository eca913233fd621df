/**
 * A one-hour replay of a busy market for the memory benchmark (synthetic load, not a scenario):
 * 150 perps whose prices follow the real BTC/ETH/SOL 5m candles of 26 Mar 2025 (other coins are
 * scaled, phase-shifted copies), about 120 trades frames a second at distinct milliseconds,
 * market contexts every 5 s, Binance prices every 10 s, liquidator states every 15 s and a
 * backstop takeover every 2 minutes.
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
  HOUR,
  LIQUIDATOR,
  MINUTE,
  metaAndAssetCtxs,
  nextTid,
  portfolio,
  readCandles,
  ScenarioFile,
  sample,
  traderAddress,
  tradesFrame,
  userFillsFrame,
} from "../scripts/scenarios/lib.ts";

const START = Date.UTC(2025, 2, 26, 13, 0);
const COINS = Array.from(
  { length: 150 },
  (_, i) => (i < 3 ? ["BTC", "ETH", "SOL"][i] : `C${i}`) as string,
);

/** Writes the file into fixtures/scenarios/ under `name` (gitignored); returns the frame count. */
export function buildBusyMarket(
  name: string,
  framesPerSecond = 120,
): { lines: number; frames: number } {
  const rand = seededRandom(42);
  const m5 = 5 * MINUTE;
  const base = {
    BTC: candlePath(readCandles("BTC_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
    ETH: candlePath(readCandles("ETH_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
    SOL: candlePath(readCandles("SOL_USDC_USDC-5m-futures.20250324-20250329.csv"), m5),
  };
  const priceOf = (i: number, t: number) => {
    if (i < 3) return base[COINS[i] as "BTC" | "ETH" | "SOL"](t);
    return (base.SOL(t - (i % 12) * 5 * MINUTE) / 140) * (0.5 + (i % 37));
  };
  const f = new ScenarioFile(
    "synthetic",
    "busy-market load for the memory benchmark (not a scenario)",
    START,
    ["real 5m candles, 26 Mar 2025"],
  );
  familyAndListings(f, START, ["BTC", "ETH", "SOL"]);
  f.info(START, { type: "perpsAtOpenInterestCap" }, []);
  let frames = 0;
  for (let t = START; t < START + HOUR; t += 1000) {
    if (t % 5_000 === 0) {
      const assets: AssetState[] = COINS.map((name, i) => {
        const px = priceOf(i, t);
        return {
          name,
          szDecimals: 2,
          maxLeverage: 20,
          markPx: px,
          oraclePx: px,
          midPx: px,
          funding: 0.0000125,
          openInterest: 2e7 / px,
          dayNtlVlm: 3e7,
          prevDayPx: px,
        };
      });
      f.info(t, { type: "metaAndAssetCtxs" }, metaAndAssetCtxs(assets));
    }
    if (t % 10_000 === 0) {
      f.binance(
        t,
        Object.fromEntries(COINS.slice(0, 100).map((c, i) => [`${c}USDT`, priceOf(i, t)])),
      );
      f.coinbase(t, "/products/USDT-USD/ticker", coinbaseTicker(1.0001, t, 1));
      for (let i = 0; i < 3; i++)
        f.coinbase(t, `/products/${COINS[i]}-USD/ticker`, coinbaseTicker(priceOf(i, t), t, 1));
    }
    if (t % 15_000 === 0)
      f.info(t, { type: "clearinghouseState", user: LIQUIDATOR }, clearinghouseState(t, 5e7, []));
    if (t % MINUTE === 0) {
      for (const m of FAMILY)
        if (m.address !== LIQUIDATOR)
          f.info(
            t,
            { type: "clearinghouseState", user: m.address },
            clearinghouseState(t, 5e7, []),
          );
    }
    if (t % (5 * MINUTE) === 0) {
      const pts = sample(t - DAY, t, HOUR, () => 0);
      const p = { pnl: pts, accountValue: pts.map(([x]) => [x, 4e8] as [number, number]) };
      for (const m of FAMILY)
        f.info(
          t,
          { type: "portfolio", user: m.address },
          portfolio({ day: p, week: p, month: p, allTime: p }),
        );
    }
    if (t % (2 * MINUTE) === 0) {
      const tid = nextTid();
      const px = priceOf(1, t);
      f.ws(
        t + 500,
        tradesFrame([
          {
            coin: "ETH",
            side: "A",
            px,
            sz: 300,
            time: t + 500,
            tid,
            buyer: LIQUIDATOR,
            seller: traderAddress(rand, "e"),
          },
        ]),
      );
      f.ws(
        t + 500,
        userFillsFrame(LIQUIDATOR, [
          {
            coin: "ETH",
            px,
            sz: 300,
            side: "B",
            time: t + 500,
            startPosition: 0,
            dir: "Liquidated Cross Long",
            closedPnl: 0,
            tid,
            liquidation: {
              liquidatedUser: traderAddress(rand, "e"),
              markPx: px,
              method: "backstop",
            },
          },
        ]),
      );
    }
    for (let k = 0; k < framesPerSecond; k++) {
      const at = t + Math.floor((k * 1000) / framesPerSecond);
      const i = Math.floor(rand() ** 2 * COINS.length);
      const coin = COINS[i] as string;
      const n = 1 + Math.floor(rand() * 3);
      f.ws(
        at,
        tradesFrame(
          Array.from({ length: n }, () => ({
            coin,
            side: rand() < 0.5 ? ("B" as const) : ("A" as const),
            px: priceOf(i, at),
            sz: 1 + rand() * 10,
            time: at,
            tid: nextTid(),
            buyer: traderAddress(rand, "e"),
            seller: traderAddress(rand, "e"),
          })),
        ),
      );
      frames++;
    }
  }
  return { lines: f.save(name), frames };
}
