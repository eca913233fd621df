import { silentLogger, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, saveModel } from "@kamiyo/db";
import { AnomalyDetector, CrossProtocolCorrelator, mlConfig, trainAnomaly } from "@kamiyo/ml";
import { writeCandleHistory } from "@kamiyo/ml/testing";
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
  it("has nothing to run before a model is trained, and no correlator on the open-source edition", async () => {
    const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
    expect(derived).toEqual([]);
  });

  it("runs the active anomaly model (its version in its counters), and ML_DETECTOR=false turns it off", async () => {
    const trained = await trainAnomaly(db, DEFAULT_TENANT_ID, {
      since: last - 86_400_000,
      until: last + 1,
      algorithm: "isolation-forest",
      config: mlConfig.parse({}),
      now: last,
    });
    const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
    expect(derived).toHaveLength(1);
    const detector = derived[0] as AnomalyDetector;
    expect(detector).toBeInstanceOf(AnomalyDetector);
    expect(detector.stats()).toMatchObject({ modelVersion: trained.stored.version, scored: 0 });
    // ML_DETECTOR=false turns it off.
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

  it("skips an unreadable active model and keeps the rule-based pipeline running", async () => {
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
    const derived = await derivedDetectors(config(), db, silentLogger, new VirtualClock(last));
    expect(derived).toEqual([]);
  });
});
