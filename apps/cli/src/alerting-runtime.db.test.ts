import { Writable } from "node:stream";
import { getChannel, newChannel, saveChannel } from "@kamiyo/alerts";
import { createLogger, SecretBox, VirtualClock } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { createTestDb, testCacheDir, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting } from "./alerting-runtime.ts";
import { type AppConfig, loadConfig } from "./config/app-config.ts";

const SLACK = "https://hooks.slack.com/services/T0/B0/runtimeruntimeruntime";
let db: Db;

function config(env: Record<string, string> = {}): AppConfig {
  const res = loadConfig({ LOG_LEVEL: "info", KAMIYO_CACHE_DIR: testCacheDir(), ...env });
  if (!res.ok) throw new Error(res.errors.join("; "));
  return res.config;
}

/** A logger whose lines the test reads. */
function lines(): { log: ReturnType<typeof createLogger>; read(): Record<string, unknown>[] } {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  return {
    log: createLogger("info", {}, sink),
    read: () =>
      out
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

describe(`a delivering process's start (${testDbKind})`, () => {
  it("seals the channel secrets stored before the key ring, and says so; without a ring, warns", async () => {
    await saveChannel(
      db,
      newChannel({
        tenantId: DEFAULT_TENANT_ID,
        id: "chn_before_ring",
        kind: "slack",
        name: "ops",
        origin: "api",
        config: { url: SLACK },
        filter: {},
        nowMs: Date.now(),
      }),
      null,
    );
    const clock = new VirtualClock(Date.now());

    const without = lines();
    await createAlerting(config(), without.log, db, { clock, deliveries: "record", secrets: null });
    expect(without.read()).toContainEqual(
      expect.objectContaining({
        level: "warn",
        msg: expect.stringMatching(/^alert channel secrets are stored unencrypted/),
      }),
    );

    const box = SecretBox.random();
    const started = lines();
    await createAlerting(config(), started.log, db, { clock, deliveries: "record", secrets: box });
    const [row] = await db.query<{ config: { url: string } }>(
      "SELECT config FROM alert_channels WHERE id = 'chn_before_ring'",
    );
    expect(row?.config.url).toMatch(/^kmysec1:/);
    expect((await getChannel(db, DEFAULT_TENANT_ID, "chn_before_ring", box))?.config.url).toBe(
      SLACK,
    );
    expect(started.read()).toContainEqual(
      expect.objectContaining({ channels: 1, msg: "sealed stored alert channel secrets" }),
    );
  });
});
