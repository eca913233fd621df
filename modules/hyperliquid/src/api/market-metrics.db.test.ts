import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { FetchHttpClient, IoTracker, seededRandom, silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { Monitor } from "@kamiyo/monitor";
import { createTestDb } from "@kamiyo/testing";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONITOR_PLUGINS, monitorConfig } from "../pipeline/monitor-config.ts";
import { assetCtx } from "../testing/asset-ctx.ts";
import { hyperliquidApi } from "./index.ts";

const T0 = 1_741_767_000_000;
const HLP = { address: "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303", name: "HLP", role: "parent" };
const config = monitorConfig.parse({
  sources: {
    hyperliquid: { enabled: false },
    binance: { enabled: false },
    coinbase: { enabled: false },
  },
});
let monitorDb: Db;
let monitor: Monitor;
let h: Harness;

/** The monitor's figures on `/metrics`: each series of `name` by its label values. */
async function series(name: string): Promise<Record<string, number>> {
  const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
  const family = (
    parsePrometheusTextFormat(text) as {
      name: string;
      metrics: { labels?: Record<string, string>; value?: string }[];
    }[]
  ).find((f) => f.name === name);
  return Object.fromEntries(
    (family?.metrics ?? []).map((m) => [Object.values(m.labels ?? {}).join(","), Number(m.value)]),
  );
}

describe("the monitor's figures on /metrics", () => {
  beforeAll(async () => {
    monitorDb = await createTestDb();
    const clock = new VirtualClock(T0);
    const io = new IoTracker();
    monitor = await Monitor.create(config, {
      clock,
      random: seededRandom(1),
      log: silentLogger,
      http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
      io,
      db: monitorDb,
      tenantId: DEFAULT_TENANT_ID,
      plugins: MONITOR_PLUGINS,
    });
    h = await apiHarness({
      seeded: false,
      modules: [hyperliquidApi],
      monitor,
      monitorConfig: config,
    });
    monitor.start();
  });
  afterAll(async () => {
    await monitor?.stop();
    await h?.close();
    await monitorDb?.close();
  });

  it("are absent until the monitor stores rows", async () => {
    expect(await series("kamiyo_hyperliquid_vault_account_value_usd")).toEqual({});
    expect(await series("kamiyo_hyperliquid_liquidations_total")).toEqual({});
  });

  it("give each vault's latest state, each perp's largest deviation and the liquidations", async () => {
    monitor.emit({
      type: "vaultState",
      time: T0,
      vault: HLP,
      accountValue: 3.5e8,
      totalNtlPos: 1.2e9,
      positions: [
        {
          coin: "ETH",
          szi: 10,
          entryPx: 2000,
          positionValue: 20_100,
          unrealizedPnl: -250_000,
          liquidationPx: null,
          marginUsed: 0,
        },
      ],
    });
    monitor.emit({
      type: "externalPrices",
      time: T0,
      venue: "binance",
      quote: "USDT",
      prices: new Map([["ETH", 2000]]),
      usdtUsd: null,
    });
    // Mark 0.5 % over Binance: more than mark over oracle (0.3 %) or oracle over Binance (0.2 %).
    monitor.emit({
      type: "market",
      time: T0,
      assets: [assetCtx("ETH", { markPx: 2010, oraclePx: 2004 })],
    });
    for (const [i, method, notionalUsd] of [
      [1, "backstop", 1_500_000],
      [2, "backstop", 500_000],
      [3, "market", 40_000],
    ] as const)
      monitor.emit({
        type: "liquidation",
        time: T0,
        event: {
          id: `ETH:${i}`,
          time: T0,
          coin: "ETH",
          method,
          liquidatedSide: "long",
          px: 2000,
          sz: notionalUsd / 2000,
          notionalUsd,
          liquidatedUser: null,
          counterparty: null,
        },
      });
    await monitor.whenIdle();

    const hlp = `${HLP.address},HLP,parent`;
    expect(await series("kamiyo_hyperliquid_vault_account_value_usd")).toEqual({ [hlp]: 3.5e8 });
    expect(await series("kamiyo_hyperliquid_vault_unrealized_pnl_usd")).toEqual({
      [hlp]: -250_000,
    });
    expect(await series("kamiyo_hyperliquid_vault_position_notional_usd")).toEqual({
      [hlp]: 1.2e9,
    });
    expect(await series("kamiyo_hyperliquid_price_deviation_pct")).toEqual({
      "ETH,mark/binance": 0.5,
    });
    expect(await series("kamiyo_hyperliquid_liquidations_total")).toEqual({
      "ETH,backstop": 2,
      "ETH,market": 1,
    });
    expect(await series("kamiyo_hyperliquid_liquidated_notional_usd_total")).toEqual({
      "ETH,backstop": 2_000_000,
      "ETH,market": 40_000,
    });
  });
});
