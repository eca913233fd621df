import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribe, subscriptionsOf } from "./subscriptions.ts";
import { recordUsage, type UsageEvent, usageReport, usageWindows } from "./usage.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => db?.close());

const T = Date.UTC(2025, 2, 12, 9, 30);
const HOUR = 3_600_000;
const ev = (key: string, over: Partial<UsageEvent> = {}): UsageEvent => ({
  tenantId: DEFAULT_TENANT_ID,
  product: "intel",
  meter: "api_calls",
  value: 1,
  eventAt: T,
  idempotencyKey: key,
  ...over,
});

describe(`usage events on ${testDbKind}`, () => {
  it("counts an event once per key, and a late one in the hour it happened", async () => {
    expect(await recordUsage(db, [ev("a"), ev("b"), ev("a")], T)).toBe(2);
    expect(await recordUsage(db, [ev("b"), ev("c", { eventAt: T - 2 * HOUR })], T + HOUR)).toBe(1);
    const hours = await usageWindows(db, DEFAULT_TENANT_ID, "hour", T - 3 * HOUR, T + HOUR);
    expect(hours).toEqual([
      { product: "intel", meter: "api_calls", start: Date.UTC(2025, 2, 12, 7), value: 1 },
      { product: "intel", meter: "api_calls", start: Date.UTC(2025, 2, 12, 9), value: 2 },
    ]);
    const days = await usageWindows(db, DEFAULT_TENANT_ID, "day", T - 86_400_000, T + HOUR);
    expect(days).toEqual([
      { product: "intel", meter: "api_calls", start: Date.UTC(2025, 2, 12), value: 3 },
    ]);
  });

  it("keeps the largest storage reading of a window rather than adding them", async () => {
    const storage = { product: "rca" as const, meter: "storage_bytes" as const };
    await recordUsage(
      db,
      [
        ev("s1", { ...storage, value: 5e8 }),
        ev("s2", { ...storage, value: 7e8, eventAt: T + 60_000 }),
        ev("s3", { ...storage, value: 6e8, eventAt: T + 120_000 }),
      ],
      T,
    );
    const [w] = (await usageWindows(db, DEFAULT_TENANT_ID, "day", T - HOUR, T + HOUR)).filter(
      (x) => x.meter === "storage_bytes",
    );
    expect(w?.value).toBe(7e8);
  });

  it("reports the period and the day against the quota of each product's plan", async () => {
    await subscribe(db, { tenantId: DEFAULT_TENANT_ID, planId: "intel_free", nowMs: T });
    // Its platform subscription's periods start on the 7th of each month.
    await db.query(
      "UPDATE subscriptions SET anchor_at = $1 WHERE tenant_id = $2 AND product = 'platform'",
      [new Date(Date.UTC(2025, 0, 7)), DEFAULT_TENANT_ID],
    );
    await recordUsage(db, [ev("old", { eventAt: Date.UTC(2025, 2, 6, 23) })], T);
    const report = await usageReport(
      db,
      DEFAULT_TENANT_ID,
      await subscriptionsOf(db, DEFAULT_TENANT_ID),
      T + HOUR,
    );
    expect(report.today).toEqual({ start: Date.UTC(2025, 2, 12), end: Date.UTC(2025, 2, 13) });
    expect(report.period).toEqual({ start: Date.UTC(2025, 2, 7), end: Date.UTC(2025, 3, 7) });
    const intel = report.meters.find((m) => m.product === "intel" && m.meter === "api_calls");
    expect(intel).toEqual({
      product: "intel",
      meter: "api_calls",
      period: 3,
      today: 3,
      quota: { limit: 100, per: "day", plan: "intel_free" },
    });
    // The platform edition's daily quotas are listed though nothing was used.
    expect(
      report.meters.find((m) => m.product === "platform" && m.meter === "alerts_sent"),
    ).toEqual(
      expect.objectContaining({
        today: 0,
        quota: { limit: 1_000, per: "day", plan: "open_source" },
      }),
    );
    // RCA usage without an RCA plan: shown, with no quota.
    expect(report.meters.find((m) => m.meter === "storage_bytes")?.quota).toBeNull();
  });
});
