import { HLP, LIQ, NOW } from "@kamiyo/api/testing";
import type { Db } from "@kamiyo/db";
import {
  insertLiquidations,
  insertMarketSamples,
  insertVaultPnl,
  insertVaultStates,
} from "../timeseries-repo.ts";
import { upsertVaultPortfolios } from "../vault-queries.ts";

const MIN = 60_000;

/**
 * The Hyperliquid monitor's tables as a running monitor would have written them, beside the
 * harness's findings: the HLP family's portfolio and states, a liquidator position, PnL points,
 * three perps' market samples and twelve liquidations (`apiHarness({ seed: seedHyperliquid })`).
 */
export async function seedHyperliquid(db: Db): Promise<void> {
  const series = (from: number, step: number, f: (t: number) => number) =>
    Array.from(
      { length: Math.floor((NOW - from) / step) + 1 },
      (_, k) => [from + k * step, f(from + k * step)] as [number, number],
    );
  const pnl = (t: number) => 60e6 + (t > NOW - 40 * MIN ? -4e6 : 0);
  const period = (span: number, step: number) => ({
    pnl: series(NOW - span, step, pnl),
    accountValue: series(NOW - span, step, (t) => 400e6 + pnl(t)),
  });
  await upsertVaultPortfolios(db, "ten_default", [
    {
      vault: HLP,
      name: "HLP",
      role: "parent",
      time: NOW,
      periods: {
        day: period(86_400_000, 15 * MIN),
        week: period(7 * 86_400_000, 3 * 3_600_000),
        month: period(30 * 86_400_000, 86_400_000),
        allTime: period(90 * 86_400_000, 7 * 86_400_000),
      },
    },
  ]);
  await insertVaultStates(db, "ten_default", [
    {
      vault: LIQ,
      name: "HLP Liquidator",
      role: "liquidator",
      time: NOW - 15_000,
      accountValue: 5e7,
      totalNtlPos: 3e8,
      unrealizedPnl: -1e6,
      positions: [
        {
          coin: "ETH",
          szi: 160_234,
          entryPx: 1915,
          positionValue: 3.05e8,
          unrealizedPnl: -1e6,
          liquidationPx: null,
          marginUsed: 3e7,
        },
      ],
    },
    {
      vault: HLP,
      name: "HLP",
      role: "parent",
      time: NOW - 60_000,
      accountValue: 5e6,
      totalNtlPos: 0,
      unrealizedPnl: 0,
      positions: [],
    },
  ]);
  await insertVaultPnl(
    db,
    "ten_default",
    Array.from({ length: 120 }, (_, k) => ({
      vault: HLP,
      time: NOW - k * MIN,
      accountValue: 400e6 - k * 1000,
      cumulativePnl: 60e6 - k * 500,
    })),
  );
  await insertMarketSamples(
    db,
    "ten_default",
    ["ETH", "BTC", "SOL"].flatMap((coin, i) =>
      Array.from({ length: 30 }, (_, k) => ({
        coin,
        time: NOW - k * MIN,
        markPx: [1915, 83_000, 127][i] as number,
        oraclePx: ([1915, 83_000, 127][i] as number) * (coin === "SOL" ? 0.99 : 1),
        midPx: [1915, 83_000, 127][i] as number,
        binancePx: [1915.5, 83_010, 127.1][i] as number,
        coinbasePx: null,
        funding: 0.0000125,
        openInterest: 1000,
        dayNtlVlm: 1e9,
      })),
    ),
  );
  await insertLiquidations(
    db,
    "ten_default",
    Array.from({ length: 12 }, (_, k) => ({
      id: `ETH:${k}`,
      time: NOW - k * 20_000,
      coin: k % 2 ? "ETH" : "BTC",
      method: k === 0 ? ("adl" as const) : ("backstop" as const),
      liquidatedSide: "long" as const,
      px: 1915,
      sz: 100 + k,
      notionalUsd: 1915 * (100 + k),
      liquidatedUser: null,
      counterparty: LIQ,
    })),
  );
}
