import { readFileSync } from "node:fs";
import {
  FetchHttpClient,
  type Finding,
  type FindingChange,
  IoTracker,
  seededRandom,
  silentLogger,
  VirtualClock,
} from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, listFindings } from "@kamiyo/db";
import type { AssetCtx, Fill, HlObservation } from "@kamiyo/hyperliquid";
import { importRecords, parseChronicle } from "@kamiyo/intel";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppConfig, loadConfig } from "./config/app-config.ts";
import { createPipeline } from "./pipeline.ts";

/**
 * The four correlation patterns from what the product produces: liquidation rows the store
 * writes, findings the rule-based detectors raise, exploit incidents imported from the
 * DeFi-Hack-Chronicle's files, the monitor's own losses; all through the pipeline of serve and
 * replay (createPipeline) on a virtual clock, with observations pushed as the sources would.
 */

function config(): AppConfig {
  const res = loadConfig({
    DEPLOYMENT_MODE: "cloud_pro",
    LOG_LEVEL: "silent",
    HL_ENABLED: "false",
    BINANCE_ENABLED: "false",
    COINBASE_ENABLED: "false",
  });
  if (!res.ok) throw new Error(res.errors.join("; "));
  return res.config;
}

const LIQUIDATOR = {
  address: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
  name: "HLP Liquidator",
  role: "liquidator" as const,
};

/** One database for the file: each test works minutes of its own (years apart). */
let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

/** The pipeline on the test database, the clock at `start`. */
async function pipelineAt(start: number) {
  const clock = new VirtualClock(start);
  const io = new IoTracker();
  const c = config();
  const pipeline = await createPipeline(c, {
    log: silentLogger,
    clock,
    io,
    http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
    random: seededRandom(1),
    db,
    monitor: c.monitor,
    deliveries: "record",
    secrets: null,
  });
  const changes: FindingChange[] = [];
  pipeline.monitor.onChange((ch) => changes.push(ch));
  return {
    clock,
    changes,
    async start() {
      pipeline.start();
      await pipeline.monitor.whenIdle();
    },
    async emit(...obs: HlObservation[]) {
      for (const o of obs) pipeline.monitor.emit(o);
      await pipeline.monitor.whenIdle();
    },
    /** Moves the clock to `t` a second at a time (the monitor's tick), idle after each step. */
    async until(t: number) {
      while (clock.now() < t) {
        clock.advanceTo(Math.min(t, clock.now() + 1_000));
        await pipeline.monitor.whenIdle();
      }
    },
    /**
     * The correlations this run raised, by their latest state (open findings of earlier tests,
     * restored from the database, expire here too: they are left out).
     */
    correlations(): Finding[] {
      const last = new Map<string, Finding>();
      for (const ch of changes)
        if (ch.finding.detector === "correlation" && ch.finding.detectedAt >= start)
          last.set(ch.finding.id, ch.finding);
      return [...last.values()];
    },
    async close() {
      await pipeline.stop();
    },
  };
}

/** A liquidated account's own fill (method market), `usd` notional. */
function liquidationFill(user: string, coin: string, px: number, usd: number, time: number) {
  const fill: Fill = {
    coin,
    px,
    sz: usd / px,
    side: "A",
    time,
    startPosition: usd / px,
    dir: "Liquidated Cross Long",
    closedPnl: 0,
    hash: `0x${time.toString(16)}`,
    oid: time,
    tid: time,
    crossed: true,
    fee: 0,
    liquidation: { liquidatedUser: user, markPx: px, method: "market" },
  };
  return { type: "fills", time, user, fills: [fill], snapshot: false } satisfies HlObservation;
}

function ethCtx(markPx: number): AssetCtx {
  return {
    coin: "ETH",
    markPx,
    oraclePx: markPx,
    midPx: markPx,
    funding: 0.0000125,
    openInterest: 1_000,
    premium: 0,
    prevDayPx: markPx,
    dayNtlVlm: 1e9,
    impactBidPx: markPx - 1,
    impactAskPx: markPx + 1,
    maxLeverage: 25,
    isDelisted: false,
  };
}

/** The Harvest Finance record of the DeFi-Hack-Chronicle (attack 2020-10-26T02:59:55Z), as JSON. */
function harvestRecord(): Record<string, unknown> {
  const url = new URL(
    "../../../modules/intel/fixtures/20201026-HarvestFinance.json",
    import.meta.url,
  );
  return JSON.parse(readFileSync(url, "utf8")) as Record<string, unknown>;
}

/** Chronicle records imported as `kamiyo intel import` does: parsed, merged, stored. */
async function importChronicle(db: Db, records: Record<string, unknown>[]): Promise<void> {
  const parsed = records.map((r) => parseChronicle(JSON.stringify(r), `${r.id}.json`));
  expect(parsed.flatMap((p) => p.issues)).toEqual([]);
  await importRecords(
    db,
    parsed.flatMap((p) => p.records),
    Date.now(),
  );
}

describe(`correlations from the product's inputs, in the pipeline of serve and replay (${testDbKind})`, () => {
  it("liquidation cascade: from the stored liquidation rows, exact, where no finding would do", async () => {
    const t = Date.UTC(2025, 9, 10, 21, 15);
    const p = await pipelineAt(t);
    try {
      await p.start();
      // $400k each on three coins and three accounts: below every rule (no large liquidation,
      // burst, cascade or repeat), so only the rows can show the cascade.
      await p.emit(
        liquidationFill("0x00000000000000000000000000000000000000a1", "BTC", 100_000, 400_000, t),
        liquidationFill(
          "0x00000000000000000000000000000000000000a2",
          "ETH",
          4_000,
          400_000,
          t + 10_000,
        ),
        liquidationFill(
          "0x00000000000000000000000000000000000000a3",
          "SOL",
          200,
          400_000,
          t + 20_000,
        ),
      );
      await p.until(t + 21_000);
      expect(
        p.changes.filter((c) => c.finding.detector === "liquidations" && c.finding.detectedAt >= t),
      ).toEqual([]);
      const [cascade] = p.correlations();
      expect(cascade).toMatchObject({ kind: "liquidation-cascade", severity: "high" });
      expect(cascade?.evidence).toMatchObject({ eventCount: 3, totalUsd: 1_200_000 });
      const rows = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM liquidations WHERE ts >= $1 AND ts <= $2",
        [new Date(t), new Date(t + 20_000)],
      );
      expect(rows[0]?.n).toBe(3);
    } finally {
      await p.close();
    }
  });

  it("oracle arbitrage: from the oracle detector's deviation finding against two venues and a liquidation on the asset", async () => {
    const t = Date.UTC(2025, 9, 11, 9, 0);
    const p = await pipelineAt(t);
    try {
      await p.start();
      // ETH's mark 0.75 % over Binance (USDT) and Coinbase (USD) for 35 s: a high deviation.
      for (let dt = 0; dt <= 35_000; dt += 5_000) {
        await p.until(t + dt);
        await p.emit(
          {
            type: "externalPrices",
            time: t + dt,
            venue: "binance",
            quote: "USDT",
            prices: new Map([["ETH", 4_000]]),
            usdtUsd: null,
          },
          {
            type: "externalPrices",
            time: t + dt,
            venue: "coinbase",
            quote: "USD",
            prices: new Map([["ETH", 4_000]]),
            usdtUsd: 1,
          },
          { type: "market", time: t + dt, assets: [ethCtx(4_030)] },
        );
      }
      expect(p.correlations()).toEqual([]);
      await p.until(t + 40_000);
      await p.emit(
        liquidationFill(
          "0x00000000000000000000000000000000000000b1",
          "ETH",
          4_030,
          50_000,
          t + 40_000,
        ),
      );
      await p.until(t + 41_000);
      const deviation = p.changes.find((c) => c.finding.kind === "deviation")?.finding;
      expect(deviation).toMatchObject({ detector: "oracle", severity: "high" });
      const [arbitrage] = p.correlations();
      expect(arbitrage).toMatchObject({
        kind: "oracle-arbitrage",
        subject: { type: "asset", id: "ETH" },
      });
      expect(arbitrage?.evidence).toMatchObject({
        comparisons: ["binance~hyperliquid", "coinbase~hyperliquid"],
        deviations: 1,
        liquidations: 1,
      });
      expect(arbitrage?.evidence.members).toContain(deviation?.id);
    } finally {
      await p.close();
    }
  });

  it("flash-loan cascade: from two imported Chronicle incidents with attack times minutes apart", async () => {
    const harvest = harvestRecord();
    // A second flash-loan attack two and a half minutes later, on another protocol.
    const second = {
      ...harvest,
      id: "SecondVault-20201026",
      protocol: "Second Vault",
      title: "Second Vault Flash Loan Attack",
      category: ["flashloan"],
      estimatedLoss: { totalUSD: "3300000", breakdown: [] },
      attackTime: { ...(harvest.attackTime as object), startTime: "2020-10-26T03:02:25Z" },
      transactions: [],
    };
    const t = Date.parse("2020-10-26T02:58:00Z");
    const p = await pipelineAt(t);
    try {
      await importChronicle(db, [harvest, second]);
      await p.start();
      await p.until(Date.parse("2020-10-26T03:00:00Z"));
      // One flash-loan exploit is no cascade.
      expect(p.correlations()).toEqual([]);
      await p.until(Date.parse("2020-10-26T03:03:00Z"));
      const [cascade] = p.correlations();
      expect(cascade).toMatchObject({
        kind: "flash-loan-cascade",
        subject: { type: "market", id: "harvest-finance+second-vault" },
        severity: "critical",
      });
      expect(cascade?.evidence).toMatchObject({
        windowStart: Date.parse("2020-10-26T02:59:55Z"),
        totalUsd: 27_300_000,
      });
      expect(cascade?.firstDataAt).toBe(Date.parse("2020-10-26T03:02:25Z"));
    } finally {
      await p.close();
    }
  });

  it("bridge exploit chain: an imported bridge exploit on Ethereum followed by the monitor's own loss on Hyperliquid", async () => {
    const t = Date.parse("2025-03-12T08:15:00Z");
    const bridge = {
      ...harvestRecord(),
      id: "TestBridge-20250312",
      date: "2025-03-12",
      protocol: "Test Bridge",
      title: "Test Bridge exploit",
      category: ["bridge"],
      blockchain: ["ethereum"],
      estimatedLoss: { totalUSD: "80000000", breakdown: [] },
      attackTime: {
        startTime: "2025-03-12T08:15:00Z",
        endTime: "2025-03-12T08:16:00Z",
        date: "2025-03-12",
      },
      transactions: [],
    };
    const p = await pipelineAt(t - 60_000);
    try {
      await importChronicle(db, [bridge]);
      await p.start();
      await p.until(t + 120_000);
      expect(p.correlations()).toEqual([]);
      // Two minutes later, HLP's liquidator holds an ETH position $3M under water.
      await p.emit({
        type: "vaultState",
        time: t + 120_000,
        vault: LIQUIDATOR,
        accountValue: 5e7,
        totalNtlPos: 3e8,
        positions: [
          {
            coin: "ETH",
            szi: 160_234,
            entryPx: 1_915,
            positionValue: 3.06e8,
            unrealizedPnl: -3_000_000,
            liquidationPx: null,
            marginUsed: 0,
          },
        ],
      });
      await p.until(t + 121_000);
      const [loss] = await listFindings(db, DEFAULT_TENANT_ID, {
        detector: "hlp",
        since: t,
        limit: 5,
      });
      expect(loss).toMatchObject({ kind: "inherited-position", severity: "critical" });
      const [chain] = p.correlations();
      expect(chain).toMatchObject({
        kind: "bridge-exploit-chain",
        subject: { type: "market", id: "test-bridge" },
      });
      expect(chain?.evidence).toMatchObject({
        chains: ["Ethereum", "Hyperliquid"],
        memberCount: 2,
      });
      expect(chain?.evidence.members).toContain(loss?.id);
    } finally {
      await p.close();
    }
  });
});
