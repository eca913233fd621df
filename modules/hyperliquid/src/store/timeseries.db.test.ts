import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertLiquidations, insertMarketSamples, pruneHistory } from "./timeseries-repo.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

describe(`the Hyperliquid monitor's time series on ${testDbKind}`, () => {
  it("ignores duplicate time-series rows and prunes by age", async () => {
    const sample = {
      coin: "ETH",
      time: 1_000_000,
      markPx: 1915.2,
      oraclePx: 1915.9,
      midPx: 1915.25,
      binancePx: 1915.8,
      coinbasePx: null,
      funding: 0.0000125,
      openInterest: 1_000_000,
      dayNtlVlm: 5e9,
    };
    await insertMarketSamples(db, DEFAULT_TENANT_ID, [
      sample,
      sample,
      { ...sample, time: 9_000_000 },
    ]);
    await insertLiquidations(db, DEFAULT_TENANT_ID, [
      {
        id: "ETH:1",
        time: 1_000_000,
        coin: "ETH",
        method: "backstop",
        liquidatedSide: "long",
        px: 1915,
        sz: 160_234,
        notionalUsd: 306_848_110,
        liquidatedUser: null,
        counterparty: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
      },
    ]);
    const deleted = await pruneHistory(db, DEFAULT_TENANT_ID, 5_000_000);
    expect(deleted.market_samples).toBe(1);
    expect(deleted.liquidations).toBe(1);
    const left = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM market_samples");
    expect(left[0]?.n).toBe(1);
  });
});
