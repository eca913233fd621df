import { type Signal, silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, saveModel } from "@kamiyo/db";
import { type HistoryRecord, readHistory } from "@kamiyo/hyperliquid";
import {
  AnomalyDetector,
  CrossProtocolCorrelator,
  mlConfig,
  trainAnomaly,
} from "@kamiyo/hyperliquid/ml";
import { writeCandleHistory } from "@kamiyo/hyperliquid/ml-testing";
import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppConfig, loadConfig } from "./config/app-config.ts";
import { derivedDetectors } from "./ml-runtime.ts";

let db: Db;
let last: number;

function config(env: Record<string, string> = {}): AppConfig {
  const res = loadConfig(env);
  if (!res.ok) throw new Error(res.errors.join("; "));
  return res.config;
}

beforeAll(async () => {
  db = await createTestDb();
  last = (await writeCandleHistory(db, DEFAULT_TENANT_ID)).last;
}, 120_000);
afterAll(() => db?.close());

describe("derivedDetectors (the live monitor's ML composition)", () => {
  describe("before a model is trained", () => {
    it("has nothing to run, and no correlator on the open-source edition", async () => {
      const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
      expect(derived).toEqual([]);
    });
  });

  describe("with a trained anomaly model", () => {
    let version = 0;
    beforeAll(async () => {
      const trained = await trainAnomaly(db, DEFAULT_TENANT_ID, {
        since: last - 86_400_000,
        until: last + 1,
        algorithm: "isolation-forest",
        config: mlConfig.parse({}),
        now: last,
      });
      version = trained.stored.version;
    }, 120_000);

    it("runs the active anomaly model (its version in its counters), and ML_DETECTOR=false turns it off", async () => {
      const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
      expect(derived).toHaveLength(1);
      const detector = derived[0] as AnomalyDetector;
      expect(detector).toBeInstanceOf(AnomalyDetector);
      expect(detector.stats()).toMatchObject({ modelVersion: version, scored: 0 });
      expect(
        await derivedDetectors(
          config({ ML_DETECTOR: "false" }),
          db,
          silentLogger,
          new VirtualClock(last),
        ),
      ).toEqual([]);
    });

    it("adds the correlator on cloud_pro", async () => {
      const derived = await derivedDetectors(
        config({ DEPLOYMENT_MODE: "cloud_pro" }),
        db,
        silentLogger,
        new VirtualClock(last),
      );
      expect(derived.map((d) => d.constructor)).toEqual([AnomalyDetector, CrossProtocolCorrelator]);
    });

    it("primes the detector with the stored history: the first live bucket's changes are measured from the last stored bucket", async () => {
      // Started a second after the last stored sample (the end of the last stored bucket).
      const startedAt = last + 1_000;
      const stored: HistoryRecord[] = [];
      for await (const r of readHistory(db, DEFAULT_TENANT_ID, { since: last, until: last + 1 }))
        stored.push(r);
      expect(stored.map((r) => r.type).sort()).toEqual([
        "market",
        "market",
        "market",
        "vaultPnl",
        "vaultState",
        "vaultState",
      ]);
      /**
       * The first live bucket: the last stored rows again five minutes later, with every price
       * times `px` and HLP's account value times `hlp` (the difference a loss in its PnL).
       */
      const firstLiveBucket = async (px: number, hlp: number): Promise<Signal[]> => {
        const [detector] = await derivedDetectors(
          config(),
          db,
          silentLogger,
          new VirtualClock(startedAt),
        );
        const d = detector as AnomalyDetector;
        const raised: Signal[] = [];
        const out = { raise: (s: Signal) => raised.push(s), resolve: () => {} };
        for (const r of stored) {
          const time = r.row.time + 300_000;
          if (r.type === "market") {
            const { markPx, oraclePx, midPx } = r.row;
            const prices = {
              markPx: markPx * px,
              oraclePx: oraclePx * px,
              midPx: (midPx ?? markPx) * px,
            };
            d.record({ type: "market", row: { ...r.row, time, ...prices } }, out);
          } else if (r.type === "vaultPnl") {
            const { accountValue: av, cumulativePnl } = r.row;
            const pnl = { accountValue: av * hlp, cumulativePnl: cumulativePnl - av * (1 - hlp) };
            d.record({ type: "vaultPnl", row: { ...r.row, time, ...pnl } }, out);
          } else if (r.type === "vaultState" && r.row.role === "parent") {
            const row = { ...r.row, time, accountValue: r.row.accountValue * hlp };
            d.record({ type: "vaultState", row }, out);
          } else d.record({ ...r, row: { ...r.row, time } } as HistoryRecord, out);
        }
        // The live bucket closes once its late-row allowance (15 s) is over.
        d.tick(startedAt + 300_000 + 15_000, out);
        return raised;
      };
      // A crash under way at the start: BTC, ETH and SOL 8 % down and HLP 1 % (about $4M) down
      // on the stored bucket before, which only the primed history shows.
      const crash = await firstLiveBucket(0.92, 0.99);
      expect(crash).toHaveLength(1);
      expect(crash[0]).toMatchObject({
        kind: "anomaly",
        severity: "critical",
        dataTime: startedAt + 300_000,
      });
      expect(crash[0]?.evidence.topFeatures).toEqual(
        expect.arrayContaining(["hlp_return_bps", "price_move_max_bps"]),
      );
      // HLP's drawdown velocity varied under its minimum spread (5 bps) in the stored history, so
      // the model left it out; the crash moves it far enough to be named as unseen.
      expect(crash[0]?.evidence.unseenFeatures).toEqual(["hlp_drawdown_velocity_bps"]);
      // The same bucket without the crash is ordinary.
      expect(await firstLiveBucket(1, 1)).toEqual([]);
    });
  });

  describe("with an unreadable active model", () => {
    beforeAll(async () => {
      await saveModel(
        db,
        DEFAULT_TENANT_ID,
        {
          purpose: "anomaly",
          algorithm: "isolation-forest",
          features: ["x"],
          windowStart: last - 1,
          windowEnd: last,
          metrics: {},
          state: { version: 99 },
        },
        last,
      );
    });

    it("skips it and keeps the rule-based pipeline running", async () => {
      const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
      expect(derived).toEqual([]);
    });
  });
});
