import { FetchHttpClient, IoTracker, seededRandom, silentLogger, VirtualClock } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { Monitor, monitorConfigFor } from "@kamiyo/monitor";
import { createTestDb } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarness, type Harness, NOW } from "./testing/api-harness.ts";

let monitorDb: Db;
let h: Harness;

beforeAll(async () => {
  monitorDb = await createTestDb();
  const io = new IoTracker();
  const plugins = { sources: {}, detectors: {} };
  const monitor = await Monitor.create(monitorConfigFor(plugins).parse({ queueCapacity: 321 }), {
    clock: new VirtualClock(NOW),
    random: seededRandom(1),
    log: silentLogger,
    http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
    io,
    db: monitorDb,
    tenantId: "ten_default",
    plugins,
  });
  h = await apiHarness({ seeded: false, monitor });
});
afterAll(async () => {
  await h?.close();
  await monitorDb?.close();
});

describe("/metrics: the pipeline", () => {
  it("reports the queue's capacity beside its size, and the store's failures", async () => {
    const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    expect(text).toMatch(/^kamiyo_pipeline_queue_size 0$/m);
    expect(text).toMatch(/^kamiyo_pipeline_queue_capacity 321$/m);
    expect(text).toMatch(/^kamiyo_pipeline_store_failures_total\{what="flush"\} 0$/m);
    expect(text).toMatch(/^kamiyo_pipeline_store_failures_total\{what="dropped_row"\} 0$/m);
  });
});
