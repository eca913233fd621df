import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Alert,
  type ChannelKind,
  getChannel,
  RECORDED_ONLY,
  renderThrough,
} from "@kamiyo/alerts";
import { SecretBox, silentLogger } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID, listFindings } from "@kamiyo/db";
import { mlConfig, trainAnomaly } from "@kamiyo/hyperliquid/ml";
import { writeCandleHistory } from "@kamiyo/hyperliquid/ml-testing";
import { ethBackstopRecording } from "@kamiyo/hyperliquid/testing";
import type { ReplaySummary } from "@kamiyo/replay";
import { createTestDb, fixturePath, testCacheDir, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertLine } from "./alerts-out.ts";
import { REPLAY_CHANNEL_ID, replayCommand, runReplay } from "./commands/replay.ts";
import { type AppConfig, loadConfig } from "./config/app-config.ts";
import { memoryIo } from "./testing/memory-io.ts";

function config(env: Record<string, string>): AppConfig {
  const res = loadConfig({ LOG_LEVEL: "silent", KAMIYO_CACHE_DIR: testCacheDir(), ...env });
  if (!res.ok) throw new Error(res.errors.join("; "));
  return res.config;
}

const readLines = (file: string): AlertLine[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AlertLine);

interface OutboxRow {
  delivery_id: string;
  tenant_id: string;
  alert_id: string;
  channel_id: string;
  status: string;
  last_error: string | null;
  body: Alert;
  kind: ChannelKind;
  name: string;
  config: Record<string, unknown>;
}

let dir: string;
/** The configured database: `--persist` stores into it, and the model is read from it. */
let store: Db;
let modelVersion: number;
let summary: ReplaySummary;
let lines: AlertLine[];
let outbox: OutboxRow[];
/** The replay's key ring: the operator's Discord URL and signing secret are sealed with it. */
const box = SecretBox.random();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-replay-cmd-"));
  // An anomaly model trained on real candles, as `kamiyo ml train` leaves it.
  store = await createTestDb();
  const { last } = await writeCandleHistory(store, DEFAULT_TENANT_ID);
  modelVersion = (
    await trainAnomaly(store, DEFAULT_TENANT_ID, {
      since: last - 86_400_000,
      until: last + 1,
      algorithm: "isolation-forest",
      config: mlConfig.parse({}),
      now: last,
    })
  ).stored.version;
  const alertsOut = join(dir, "alerts.ndjson");
  ({ summary } = await runReplay(
    config({
      DEPLOYMENT_MODE: "cloud_pro",
      ALERTS_DISCORD_URL: "https://discord.com/api/webhooks/1/replay-test",
      ALERTS_WEBHOOK_URL: "https://hooks.example.com/kamiyo",
      ALERTS_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
    fixturePath("scenarios", "cascade-2025-10-10.ndjson.gz"),
    { speed: "max", json: true, persist: true, alertsOut },
    // The operator's Discord URL and signing secret are sealed in the store and opened to render.
    { store, reference: store, secrets: box, log: silentLogger, write: () => {} },
  ));
  lines = readLines(alertsOut);
  outbox = await store.query<OutboxRow>(
    `SELECT d.id AS delivery_id, d.tenant_id, d.alert_id, d.channel_id, d.status, d.last_error, a.body,
       c.kind, c.name, c.config
     FROM deliveries d
     JOIN alerts a ON a.tenant_id = d.tenant_id AND a.id = d.alert_id
     JOIN alert_channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
     ORDER BY d.alert_id, d.channel_id`,
  );
  // Stored sealed: the Discord URL is nowhere in the table, and opens with the replay's key.
  expect(JSON.stringify(outbox.map((r) => r.config))).not.toContain("replay-test");
  for (const row of outbox)
    row.config = (await getChannel(store, row.tenant_id, row.channel_id, box))?.config ?? {};
}, 240_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`kamiyo replay runs the product's pipeline (on ${testDbKind})`, () => {
  it("--alerts-out holds what the outbox holds: the same alerts on the same channels, each payload the body that channel sends", () => {
    expect(lines.length).toBeGreaterThan(10);
    const key = (alertId: string, channelId: string) => `${alertId} ${channelId}`;
    expect(lines.map((l) => key(l.alertId, l.channel.id)).sort()).toEqual(
      outbox.map((r) => key(r.alert_id, r.channel_id)).sort(),
    );
    expect(new Set(lines.map((l) => l.channel.kind))).toEqual(new Set(["discord", "webhook"]));
    const stored = new Map(outbox.map((r) => [key(r.alert_id, r.channel_id), r]));
    for (const l of lines) {
      const row = stored.get(key(l.alertId, l.channel.id)) as OutboxRow;
      expect(l).toMatchObject({
        ts: row.body.createdAt,
        channel: { id: row.channel_id, kind: row.kind, name: row.name },
        type: row.body.type,
        severity: row.body.severity,
      });
      expect(l.payload).toEqual(renderThrough(row.kind, row.config, row.body));
    }
    // Nothing was sent, and no worker sharing the database ever will send these.
    expect(outbox.map((r) => [r.status, r.last_error])).toEqual(
      outbox.map(() => ["cancelled", RECORDED_ONLY]),
    );
  });

  it("runs the active anomaly model of the configured database, and the correlator on cloud_pro counting every stored liquidation", async () => {
    expect(summary.health?.derived.ml).toMatchObject({ modelVersion });
    expect(summary.health?.derived.ml?.scored).toBeGreaterThan(0);
    const [cascade] = await listFindings(store, DEFAULT_TENANT_ID, {
      detector: "correlation",
      limit: 10,
    });
    expect(cascade?.kind).toBe("liquidation-cascade");
    const ev = cascade?.evidence as { eventCount: number; totalUsd: number; windowStart: number };
    const [rows] = await store.query<{ n: number; usd: number }>(
      "SELECT count(*)::int AS n, sum(notional_usd) AS usd FROM liquidations WHERE ts >= $1",
      [new Date(ev.windowStart)],
    );
    // Exact: every liquidation row of the episode, not the lower bound its findings give.
    expect(ev.eventCount).toBe(rows?.n);
    expect(ev.totalUsd).toBeCloseTo(rows?.usd ?? 0, 0);
    const correlationAlerts = lines.filter(
      (l) => (l.payload as { data?: { detector?: string } }).data?.detector === "correlation",
    );
    expect(correlationAlerts.length).toBeGreaterThan(0);
  });

  it("by default stores in a temporary database, reads no database that is not there, and shows alerts as a generic webhook when no channel is configured", async () => {
    const file = join(dir, "eth-backstop.ndjson");
    writeFileSync(file, `${ethBackstopRecording().join("\n")}\n`);
    const dataDir = join(dir, "never-created");
    const alertsOut = join(dir, "backstop-alerts.ndjson");
    const stdio = memoryIo();
    await replayCommand(
      config({ KAMIYO_DATA_DIR: dataDir }),
      file,
      { speed: "max", json: true, persist: false, alertsOut },
      stdio,
    );
    expect(existsSync(dataDir)).toBe(false);
    const backstop = readLines(alertsOut);
    expect(backstop.map((l) => [l.channel.id, l.type, l.severity])).toContainEqual([
      REPLAY_CHANNEL_ID,
      "finding.opened",
      "critical",
    ]);
    const opened = backstop.find((l) => l.type === "finding.opened");
    expect(opened?.payload).toMatchObject({
      type: "finding.opened",
      data: { detector: "liquidations", alertId: opened?.alertId },
    });
    expect(stdio.stdout.split("\n").filter(Boolean).length).toBeGreaterThan(0);
  });
});
