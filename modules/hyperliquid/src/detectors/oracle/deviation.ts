import type { AssetCtx } from "../../observations.ts";

/** A price of one venue at a time. */
export interface Quote {
  px: number;
  time: number;
}

/** The prices compared for one perp at one sample. Coinbase is already converted to USDT terms. */
export interface PriceSet {
  ctx: AssetCtx;
  binance: Quote | null;
  coinbase: Quote | null;
}

export interface Deviation {
  /** Largest relative difference among the compared pairs, percent. */
  pct: number;
  /** The same with its sign: positive when the first price of the pair is higher. */
  signedPct: number;
  /** Which pair, e.g. "mark/binance". */
  pair: string;
}

/**
 * The largest deviation among: Hyperliquid mark vs its oracle (not for hyperps, whose oracle
 * follows their own mark), and mark and oracle vs each fresh external price (hyperps: mark only).
 * @returns null when nothing can be compared.
 */
export function maxDeviation(set: PriceSet, hyperp: boolean): Deviation | null {
  const { markPx, oraclePx } = set.ctx;
  const pairs: [string, number, number][] = [];
  if (!hyperp) pairs.push(["mark/oracle", markPx, oraclePx]);
  for (const [venue, q] of [
    ["binance", set.binance],
    ["coinbase", set.coinbase],
  ] as const) {
    if (!q) continue;
    pairs.push([`mark/${venue}`, markPx, q.px]);
    if (!hyperp) pairs.push([`oracle/${venue}`, oraclePx, q.px]);
  }
  let best: Deviation | null = null;
  for (const [pair, a, b] of pairs) {
    if (!(a > 0 && b > 0)) continue;
    const signedPct = (a / b - 1) * 100;
    const pct = Math.abs(signedPct);
    if (!best || pct > best.pct) best = { pct, signedPct, pair };
  }
  return best;
}
