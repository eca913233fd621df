import { describe, expect, it } from "vitest";
import { envSettings, loadConfig } from "./app-config.ts";

describe("configuration from the environment", () => {
  it("uses documented defaults with an empty environment", () => {
    const res = loadConfig({});
    if (!res.ok) throw new Error(res.errors.join("; "));
    expect(res.config.databaseUrl).toBeNull();
    expect(res.config.dataDir).toBe(".kamiyo/data");
    expect(res.config.monitor.detectors.oracle.config).toMatchObject({
      mediumPct: 0.3,
      highPct: 0.5,
      criticalPct: 1,
      sustainMs: 30_000,
    });
    expect(res.config.monitor.detectors.hlp.config).toMatchObject({
      loss24hCriticalUsd: 2_000_000,
      loss24hHighUsd: 1_000_000,
      drawdownHighPct: 10,
      zMedium: 3,
      zHigh: 4,
      zWindow: 100,
    });
    expect(res.config.monitor.detectors.liquidations.config).toMatchObject({
      largeUsd: 1_000_000,
      burstMinUsd: 500_000,
      burstWindowMs: 10_000,
      cascadeMinCount: 5,
      cascadeWindowMs: 300_000,
    });
    expect(res.config.monitor.sources.hyperliquid.config.weightPerMinute).toBeLessThan(1200);
  });

  it("takes the history kept and the alerts a day from the edition's plan, and from nowhere else", () => {
    const edition = (mode: string, more: Record<string, string> = {}) => {
      const res = loadConfig({ DEPLOYMENT_MODE: mode, ...more });
      if (!res.ok) throw new Error(res.errors.join("; "));
      return res;
    };
    const rows = ["open_source", "cloud_basic", "cloud_pro", "cloud_enterprise"].map((m) => {
      const { config } = edition(m);
      return [config.monitor.retentionDays, config.alerts.dailyCap];
    });
    expect(rows).toEqual([
      [90, 1_000],
      [30, 100],
      [180, 500],
      [365, 10_000],
    ]);
    const overridden = edition("cloud_basic", {
      ALERTS_DAILY_CAP: "5000",
      KAMIYO_RETENTION_DAYS: "400",
    });
    expect(overridden.config.alerts.dailyCap).toBe(100);
    expect(overridden.config.monitor.retentionDays).toBe(30);
    expect(overridden.warnings.join("\n")).toMatch(/ALERTS_DAILY_CAP is not a kamiyo setting/);
    expect(envSettings().map((s) => s.name)).not.toContain("KAMIYO_RETENTION_DAYS");
  });

  it("reads typed values, lists and switches", () => {
    const res = loadConfig({
      ORACLE_MEDIUM_PCT: "0.2",
      ORACLE_HYPERPS: "XPL, WLFI",
      HL_TRADE_COINS: "BTC,ETH",
      COINBASE_ENABLED: "false",
      HLP_LOSS24H_CRITICAL_USD: "5000000",
      DATABASE_URL: "postgres://u:p@db:5432/kamiyo",
    });
    if (!res.ok) throw new Error(res.errors.join("; "));
    expect(res.config.monitor.detectors.oracle.config.mediumPct).toBe(0.2);
    expect(res.config.monitor.detectors.oracle.config.hyperps).toEqual(["XPL", "WLFI"]);
    expect(res.config.monitor.sources.hyperliquid.config.tradeCoins).toEqual(["BTC", "ETH"]);
    expect(res.config.monitor.sources.coinbase.enabled).toBe(false);
    expect(res.config.monitor.detectors.hlp.config.loss24hCriticalUsd).toBe(5_000_000);
    expect(res.config.databaseUrl).toBe("postgres://u:p@db:5432/kamiyo");
  });

  it("lists every problem at once, naming the variable", () => {
    const res = loadConfig({
      ORACLE_MEDIUM_PCT: "lots",
      LIQ_CASCADE_MIN_COUNT: "1",
      HL_WS_URL: "http://x",
      DATABASE_URL: "mysql://x",
      LOG_LEVEL: "loud",
      HL_WEIGHT_PER_MINUTE: "5000",
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const text = res.errors.join("\n");
    for (const name of [
      "ORACLE_MEDIUM_PCT",
      "LIQ_CASCADE_MIN_COUNT",
      "HL_WS_URL",
      "DATABASE_URL",
      "LOG_LEVEL",
      "HL_WEIGHT_PER_MINUTE",
    ]) {
      expect(text).toContain(name);
    }
    expect(res.errors).toHaveLength(6);
  });

  it("names the plug-in for rules across settings, and warns about likely typos", () => {
    const bands = loadConfig({ ORACLE_HIGH_PCT: "0.1" });
    expect(bands).toMatchObject({
      ok: false,
      errors: ["ORACLE_*: bands must increase: medium < high < critical"],
    });
    const typo = loadConfig({ ORACLE_MEDUIM_PCT: "0.2", BINANCE_API_KEY: "x", UNRELATED: "1" });
    expect(typo.ok).toBe(true);
    if (!typo.ok) return;
    expect(typo.warnings).toEqual([
      "ORACLE_MEDUIM_PCT is not a kamiyo setting and is ignored (did you mean ORACLE_MEDIUM_PCT?)",
      "BINANCE_API_KEY is not a kamiyo setting and is ignored",
    ]);
  });

  it("takes DATABASE_APP_URL only beside DATABASE_URL", () => {
    const alone = loadConfig({ DATABASE_APP_URL: "postgres://kamiyo_api@db/kamiyo" });
    expect(alone.ok).toBe(false);
    if (!alone.ok)
      expect(alone.errors).toContain(
        "DATABASE_APP_URL: needs DATABASE_URL (the embedded database has one connection)",
      );
    const both = loadConfig({
      DATABASE_URL: "postgres://kamiyo@db/kamiyo",
      DATABASE_APP_URL: "postgres://kamiyo_api@db/kamiyo",
    });
    expect(both.ok && both.config.databaseAppUrl).toBe("postgres://kamiyo_api@db/kamiyo");
  });

  it("documents every setting it reads", () => {
    const settings = envSettings();
    expect(settings.map((s) => s.name)).toEqual(
      expect.arrayContaining(["BINANCE_URLS", "ML_DETECTOR", "DATABASE_URL"]),
    );
    expect(new Set(settings.map((s) => s.name)).size).toBe(settings.length);
    for (const s of settings) expect(s.description, s.name).not.toBe("");
  });
});
