import { readFileSync } from "node:fs";
import { AppError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";
import { fixturePath } from "@kamiyo/testing";
import type { Position } from "../../observations.ts";
import {
  insertMarketSamples,
  insertVaultPnl,
  insertVaultStates,
  type MarketSampleRecord,
  type VaultPnlRecord,
  type VaultStateRecord,
} from "../../store/index.ts";

/** The HLP parent vault's address (the rows written for it are constructed, see below). */
export const CANDLE_HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
/** The HLP Liquidator vault's address. */
export const CANDLE_LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

const COINS = ["BTC", "ETH", "SOL"] as const;
const CANDLE_MS = 5 * 60_000;
/** Candles in 24 h: the window of the derived 24 h volume. */
const DAY_CANDLES = 288;
/** A sample is taken 1 s before its candle closes, so it falls in the candle's 5-minute bucket. */
const SAMPLE_OFFSET_MS = CANDLE_MS - 1_000;
/** Constructed HLP positions, base units per coin (short: HLP is usually the taker's counterparty). */
const HLP_SZI: Record<(typeof COINS)[number], number> = { BTC: -150, ETH: -4_000, SOL: -40_000 };
const HLP_BASE_AV = 400e6;
const HLP_BASE_PNL = 60e6;
/** Constructed Liquidator position: a long ETH inventory. */
const LIQ_ETH_SZI = 2_000;
const LIQ_BASE_AV = 50e6;

interface Candle {
  time: number;
  open: number;
  close: number;
  volume: number;
}

/** What `writeCandleHistory` wrote. */
export interface CandleHistory {
  /** Data time of the first and the last row written, epoch ms. */
  first: number;
  last: number;
  /** 5-minute steps written: one market sample per coin and one state per vault at each. */
  steps: number;
  coins: readonly string[];
}

/**
 * Writes five days of stored history (2025-03-24T00:00Z to 2025-03-29T00:00Z) into a test
 * database, one row set per 5-minute candle, in the tables the monitor writes.
 *
 * The prices are REAL: the Hyperliquid BTC, ETH and SOL 5-minute perp candles of
 * `fixtures/hyperliquid/candles/*-5m-futures.20250324-20250329.csv`. Each candle gives one market
 * sample per coin, stamped 1 s before the candle closes: mark = mid = close, oracle = open (so the
 * mark–oracle deviation is the candle's real body, a few bps); funding is ETH's real hourly
 * rate (`ETH_USDC_USDC-1h-funding_rate…csv`, the latest at or before the sample) for ETH and 0
 * for BTC and SOL (no funding file); no Binance or Coinbase price (those features stay constant).
 * 24 h notional volume is the sum of close × volume over the last 288 candles (the first day
 * uses the first 288), and open interest, in coins, a quarter of the matching 24 h base volume:
 * both derived from the real candle volume, not observed.
 *
 * The vault rows are CONSTRUCTED for tests: at each step an HLP parent state (role "parent",
 * short 150 BTC, 4,000 ETH and 40,000 SOL from the first close, account value $400M plus that
 * position's PnL), its portfolio reading (cumulative PnL $60M plus the same PnL), and an HLP
 * Liquidator state (role "liquidator", long 2,000 ETH, $50M plus its PnL). No liquidations.
 * @throws AppError invalid_input when a fixture file is malformed or the coins' candles differ in time.
 */
export async function writeCandleHistory(q: Queryable, tenantId: string): Promise<CandleHistory> {
  const candles = new Map<string, Candle[]>(
    COINS.map((c) => [c, readCsv(`${c}_USDC_USDC-5m-futures.20250324-20250329.csv`)]),
  );
  const funding = readCsv("ETH_USDC_USDC-1h-funding_rate.20250324-20250329.csv");
  const btc = candles.get("BTC") as Candle[];
  for (const [coin, rows] of candles)
    if (rows.length !== btc.length || rows.some((r, i) => r.time !== btc[i]?.time))
      throw new AppError("invalid_input", `${coin} candles are not at the times of BTC's`);

  const entry = new Map(COINS.map((c) => [c, (candles.get(c) as Candle[])[0]?.close as number]));
  const market: MarketSampleRecord[] = [];
  const states: VaultStateRecord[] = [];
  const pnl: VaultPnlRecord[] = [];
  let f = 0;
  btc.forEach((b, i) => {
    const time = b.time + SAMPLE_OFFSET_MS;
    while ((funding[f + 1]?.time ?? Number.POSITIVE_INFINITY) <= time) f++;
    const rate = (funding[f]?.time ?? Number.POSITIVE_INFINITY) <= time ? funding[f]?.open : 0;
    const hlp: Position[] = [];
    for (const coin of COINS) {
      const rows = candles.get(coin) as Candle[];
      const c = rows[i] as Candle;
      // The first day has no full 24 h behind it: it takes the first 24 h (no warm-up ramp).
      const day = rows.slice(Math.max(0, i + 1 - DAY_CANDLES), Math.max(i + 1, DAY_CANDLES));
      market.push({
        coin,
        time,
        markPx: c.close,
        oraclePx: c.open,
        midPx: c.close,
        binancePx: null,
        coinbasePx: null,
        funding: coin === "ETH" ? (rate ?? 0) : 0,
        openInterest: day.reduce((s, d) => s + d.volume, 0) / 4,
        dayNtlVlm: day.reduce((s, d) => s + d.volume * d.close, 0),
      });
      hlp.push(position(coin, HLP_SZI[coin], entry.get(coin) as number, c.close));
    }
    const hlpUpnl = hlp.reduce((s, p) => s + p.unrealizedPnl, 0);
    const eth = (candles.get("ETH") as Candle[])[i] as Candle;
    const liq = position("ETH", LIQ_ETH_SZI, entry.get("ETH") as number, eth.close);
    states.push(
      vaultState(CANDLE_HLP, "HLP", "parent", time, HLP_BASE_AV + hlpUpnl, hlp),
      vaultState(
        CANDLE_LIQUIDATOR,
        "HLP Liquidator",
        "liquidator",
        time,
        LIQ_BASE_AV + liq.unrealizedPnl,
        [liq],
      ),
    );
    pnl.push({
      vault: CANDLE_HLP,
      time,
      accountValue: HLP_BASE_AV + hlpUpnl,
      cumulativePnl: HLP_BASE_PNL + hlpUpnl,
    });
  });
  await insertMarketSamples(q, tenantId, market);
  await insertVaultStates(q, tenantId, states);
  await insertVaultPnl(q, tenantId, pnl);
  const first = btc[0];
  const last = btc.at(-1);
  if (!first || !last) throw new AppError("invalid_input", "the candle fixtures hold no rows");
  return {
    first: first.time + SAMPLE_OFFSET_MS,
    last: last.time + SAMPLE_OFFSET_MS,
    steps: btc.length,
    coins: COINS,
  };
}

function position(coin: string, szi: number, entryPx: number, mark: number): Position {
  return {
    coin,
    szi,
    entryPx,
    positionValue: Math.abs(szi) * mark,
    unrealizedPnl: szi * (mark - entryPx),
    liquidationPx: null,
    marginUsed: (Math.abs(szi) * mark) / 10,
  };
}

function vaultState(
  vault: string,
  name: string,
  role: VaultStateRecord["role"],
  time: number,
  accountValue: number,
  positions: Position[],
): VaultStateRecord {
  return {
    vault,
    name,
    role,
    time,
    accountValue,
    totalNtlPos: positions.reduce((s, p) => s + p.positionValue, 0),
    unrealizedPnl: positions.reduce((s, p) => s + p.unrealizedPnl, 0),
    positions,
  };
}

/** Rows of a `time_ms,open,high,low,close,volume` file under fixtures/hyperliquid/candles/. */
function readCsv(name: string): Candle[] {
  const lines = readFileSync(fixturePath("hyperliquid", "candles", name), "utf8")
    .trim()
    .split("\n");
  if (lines[0] !== "time_ms,open,high,low,close,volume")
    throw new AppError("invalid_input", `${name}: unexpected header ${JSON.stringify(lines[0])}`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",").map(Number);
    if (cells.length !== 6 || cells.some((v) => !Number.isFinite(v)))
      throw new AppError("invalid_input", `${name}: line ${i + 2} is not six numbers: ${line}`);
    const [time, open, , , close, volume] = cells as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { time, open, close, volume };
  });
}
