import { silentLogger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rcaMigrations } from "../module.ts";
import { rcaSettings } from "../settings.ts";
import { tenantStorageBytes } from "../store/storage-usage.ts";
import { applyWatchBatch } from "../store/write-graph.ts";
import { clusterWatch } from "../testing/k8s-fixtures.ts";
import { startRcaRuntime } from "./rca-runtime.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb({ modules: [rcaMigrations] });
  for (const id of ["ten_big", "ten_small", "ten_empty"])
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
});
afterAll(async () => db?.close());

describe(`RCA storage metering (${testDbKind})`, () => {
  it("reads each tenant's stored RCA data once an hour as its storage_bytes, larger graphs larger", async () => {
    const watch = clusterWatch();
    await applyWatchBatch(tenantDb(db, "ten_big"), watch, new Date());
    await applyWatchBatch(tenantDb(db, "ten_small"), watch.slice(0, 2), new Date());
    let now = Date.UTC(2026, 11, 6, 10, 5);
    const runtime = await startRcaRuntime(rcaSettings.parse({ builder: false }), {
      db,
      log: silentLogger,
      now: () => now,
    });
    expect(await runtime.meterStorage()).toBe(2);
    now += 20 * 60_000; // the same hour: the reading is not taken twice
    await runtime.meterStorage();
    await runtime.close();
    const readings = await db.query<{ tenant_id: string; value: string }>(
      `SELECT tenant_id, value::text FROM usage_events
       WHERE meter = 'storage_bytes' AND product = 'rca' ORDER BY tenant_id`,
    );
    expect(readings.map((r) => r.tenant_id)).toEqual(["ten_big", "ten_small"]);
    const big = Number(readings[0]?.value);
    expect(big).toBe(await tenantStorageBytes(tenantDb(db, "ten_big")));
    expect(big).toBeGreaterThan(Number(readings[1]?.value));
    expect(Number(readings[1]?.value)).toBeGreaterThan(0);
  });
});
