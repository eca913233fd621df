import { describe, expect, it } from "vitest";
import type { HistoryRecord } from "../../store/index.ts";
import { liquidation, liquidatorState, market, parentState, pnl } from "../testing/records.ts";
import { FeatureBuilder } from "./feature-builder.ts";
import { FEATURE_NAMES, type FeatureRow } from "./feature-set.ts";

const B = 5 * 60_000;
const T0 = Date.UTC(2025, 2, 27, 0, 0);

function col(row: FeatureRow | undefined, name: string): number {
  return row?.values[FEATURE_NAMES.indexOf(name as (typeof FEATURE_NAMES)[number])] as number;
}

function feed(b: FeatureBuilder, records: HistoryRecord[], end: number): FeatureRow[] {
  const rows: FeatureRow[] = [];
  for (const r of records) rows.push(...b.add(r));
  rows.push(...b.closeUntil(end));
  return rows;
}

describe("FeatureBuilder", () => {
  it("computes one row per bucket from the rows in it, with changes against the bucket before", () => {
    const records: HistoryRecord[] = [
      parentState(T0 + 1_000, 100e6),
      pnl(T0 + 2_000, 1_000_000, 100e6),
      market(T0 + 10_000, "ETH", { mark: 2000, oracle: 2000, oi: 1000, volume: 1e9 }),
      market(T0 + 20_000, "BTC", { mark: 80_000, oi: 10 }),
      // second bucket
      parentState(T0 + B + 1_000, 99e6),
      liquidatorState(T0 + B + 2_000, 10e6, -1e6, 20e6),
      pnl(T0 + B + 3_000, 500_000, 99e6),
      market(T0 + B + 10_000, "ETH", {
        mark: 2020,
        oracle: 2000,
        binance: 1990,
        oi: 1100,
        volume: 1.1e9,
      }),
      market(T0 + B + 70_000, "ETH", { mark: 2010, oracle: 2000, oi: 1100, volume: 1.1e9 }),
      market(T0 + B + 20_000, "BTC", { mark: 80_000, oi: 10 }),
      liquidation(T0 + B + 30_000, 2_000_000),
      liquidation(T0 + B + 40_000, 500_000, "adl"),
    ];
    const rows = feed(new FeatureBuilder(), records, T0 + 3 * B);
    expect(rows.map((r) => r.start)).toEqual([T0, T0 + B]);
    const second = rows[1];
    expect(col(second, "hlp_return_bps")).toBeCloseTo(Math.log(99 / 100) * 1e4, 6);
    expect(col(second, "hlp_pnl_momentum_bps")).toBeCloseTo((-500_000 / 99e6) * 1e4, 6);
    expect(col(second, "hlp_drawdown_velocity_bps")).toBeCloseTo(100, 6);
    expect(col(second, "liquidator_upnl_bps")).toBeCloseTo(-1000, 6);
    expect(col(second, "liquidator_exposure")).toBeCloseTo(2, 6);
    expect(col(second, "oracle_dev_max_bps")).toBeCloseTo(100, 6);
    expect(col(second, "oracle_dev_mean_bps")).toBeCloseTo(50, 6);
    expect(col(second, "cex_dev_max_bps")).toBeCloseTo((10 / 1990) * 1e4, 6);
    expect(col(second, "liq_count")).toBeCloseTo(Math.log1p(2), 9);
    expect(col(second, "liq_notional")).toBeCloseTo(Math.log1p(2_500_000), 9);
    expect(col(second, "liq_max")).toBeCloseTo(Math.log1p(2_000_000), 9);
    expect(col(second, "adl_notional")).toBeCloseTo(Math.log1p(500_000), 9);
    const oiBefore = 1000 * 2000 + 10 * 80_000;
    const oiAfter = 1100 * 2010 + 10 * 80_000;
    expect(col(second, "oi_change_bps")).toBeCloseTo((oiAfter / oiBefore - 1) * 1e4, 6);
    expect(col(second, "volume_change_bps")).toBeCloseTo(((1.1e9 + 1e9) / 2e9 - 1) * 1e4, 6);
    expect(col(second, "price_move_max_bps")).toBeCloseTo(Math.log(2010 / 2000) * 1e4, 6);
    expect(col(second, "funding_abs_max_bps")).toBeCloseTo(0.125, 9);
    // The first bucket has nothing to change from.
    expect(col(rows[0], "oi_change_bps")).toBe(0);
    expect(col(rows[0], "liq_count")).toBe(0);
  });

  it("emits no row for a bucket without market data or before the HLP account value is known", () => {
    const records = [
      market(T0 + 1_000, "ETH", { mark: 2000 }), // no parent yet: gap
      parentState(T0 + B + 1_000, 100e6), // no market sample in this bucket: gap
      market(T0 + 2 * B + 1_000, "ETH", { mark: 2000 }),
    ];
    const rows = feed(new FeatureBuilder(), records, T0 + 4 * B);
    expect(rows.map((r) => r.start)).toEqual([T0 + 2 * B]);
  });

  it("waits lateMs for late rows, so arrival order within the allowance does not change the rows", () => {
    const inOrder: HistoryRecord[] = [
      parentState(T0 + 1_000, 100e6),
      market(T0 + 2_000, "ETH", { mark: 2000 }),
      liquidation(T0 + B - 1_000, 1_000_000),
      market(T0 + B + 2_000, "ETH", { mark: 2001 }),
    ];
    // The liquidation is classified 5 s late: it arrives after a row of the next bucket.
    const late = [inOrder[0], inOrder[1], inOrder[3], inOrder[2]] as HistoryRecord[];
    const offline = feed(new FeatureBuilder({ lateMs: 0 }), inOrder, T0 + 3 * B);
    const online = feed(new FeatureBuilder({ lateMs: 15_000 }), late, T0 + 3 * B);
    expect(online.map((r) => Array.from(r.values))).toEqual(
      offline.map((r) => Array.from(r.values)),
    );
    expect(col(online[0], "liq_count")).toBeCloseTo(Math.log1p(1), 9);
  });

  it("counts and drops a row older than an already closed bucket", () => {
    const b = new FeatureBuilder({ lateMs: 0 });
    feed(
      b,
      [
        parentState(T0 + 1_000, 1e8),
        market(T0 + 2_000, "ETH", { mark: 1 }),
        market(T0 + B + 1, "ETH", { mark: 1 }),
      ],
      T0 + B + 1,
    );
    expect(b.add(liquidation(T0 + 3_000, 5))).toEqual([]);
    expect(b.late).toBe(1);
  });
});
