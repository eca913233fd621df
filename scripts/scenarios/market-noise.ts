/**
 * Noise for reconstructed scenarios, derived from the real candles in fixtures/hyperliquid/.
 * Everything here is RECONSTRUCTION: the distributions are real, the draws are synthetic.
 */
import type { Candle } from "./lib.ts";

/**
 * The oracle is published about every 3 s (HYPERLIQUID.md §1.2). For a random walk the range
 * grows with √time, so the price range within 3 s is √(3 s / 300 s) = 0.1 of a 5-minute
 * candle's range: the scale of a venue's offset from the oracle at the moment both are read.
 */
export const PUBLICATION_RANGE_SHARE = Math.sqrt(3 / 300);

/**
 * A venue's relative offset from the oracle at time t (a fraction: 0.0001 = 1 bps), drawn for
 * each call from the real 5-minute candles of the coin:
 *
 *   offset = gap + 0.1 · (high − low) / close of the candle holding t · u,  u uniform in (−1, 1)
 *
 * where `gap` is drawn from the coin's real close-to-next-open gaps (signed, zeros included: the
 * tick-level step between two consecutive trades) and the second term is the price range within
 * the oracle's 3 s publication interval ({@link PUBLICATION_RANGE_SHARE}) at that candle's
 * volatility. Calm candles give offsets of a fraction of a basis point, busy ones a few.
 */
export function venueOffset(candles: readonly Candle[], rand: () => number): (t: number) => number {
  if (candles.length < 2) throw new Error("venueOffset needs at least two candles");
  const gaps: number[] = [];
  for (let i = 1; i < candles.length; i++) {
    const prev = candles[i - 1] as Candle;
    gaps.push(((candles[i] as Candle).o - prev.c) / prev.c);
  }
  const first = (candles[0] as Candle).t;
  const span = (candles[1] as Candle).t - first;
  return (t) => {
    const k = candles[Math.min(candles.length - 1, Math.max(0, Math.floor((t - first) / span)))];
    const range = k ? (k.h - k.l) / k.c : 0;
    const gap = gaps[Math.floor(rand() * gaps.length)] ?? 0;
    return gap + PUBLICATION_RANGE_SHARE * range * (2 * rand() - 1);
  };
}

/** A standard normal draw (Box–Muller). */
export function normal(rand: () => number): number {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** A Student-t draw with `df` degrees of freedom: heavy tails, unit scale. */
export function studentT(rand: () => number, df: number): number {
  let chi2 = 0;
  for (let i = 0; i < df; i++) chi2 += normal(rand) ** 2;
  return normal(rand) / Math.sqrt(chi2 / df);
}

export interface MarketMakerPnl {
  /** Steady fee and spread income, USD a day. */
  feesPerDay: number;
  /** Standard deviation of the market maker's inventory in each coin, USD notional. */
  inventoryUsd: number;
  /** Half-life of the inventory (it mean-reverts to flat), ms. */
  inventoryHalfLifeMs: number;
  /** Scale of the heavy-tailed (Student-t, 3 d.o.f.) residual per minute, USD. */
  residualUsd: number;
}

/**
 * A market maker's cumulative PnL, one value a minute over [from, to]: fees accrue steadily; an
 * inventory in each coin (mean-reverting, Gaussian) earns or loses that coin's real price return
 * minute by minute (`prices` are the candle paths); a heavy-tailed residual stands for
 * everything else (liquidation fees, funding, spread on other markets).
 * @returns the PnL at time t (interpolated between minutes, flat outside [from, to]).
 */
export function marketMakerPnl(
  prices: readonly ((t: number) => number)[],
  from: number,
  to: number,
  start: number,
  m: MarketMakerPnl,
  rand: () => number,
): (t: number) => number {
  const MIN = 60_000;
  const phi = 0.5 ** (MIN / m.inventoryHalfLifeMs);
  const shock = m.inventoryUsd * Math.sqrt(1 - phi * phi);
  const inventory = prices.map(() => m.inventoryUsd * normal(rand));
  const values: number[] = [start];
  for (let t = from + MIN; t <= to; t += MIN) {
    let d = (m.feesPerDay * MIN) / 86_400_000 + m.residualUsd * studentT(rand, 3);
    prices.forEach((px, c) => {
      d += (inventory[c] as number) * (px(t) / px(t - MIN) - 1);
      inventory[c] = phi * (inventory[c] as number) + shock * normal(rand);
    });
    values.push((values.at(-1) as number) + d);
  }
  return (t) => {
    const x = Math.min(Math.max((t - from) / MIN, 0), values.length - 1);
    const i = Math.floor(x);
    const a = values[i] as number;
    const b = values[Math.min(i + 1, values.length - 1)] as number;
    return a + (b - a) * (x - i);
  };
}
