import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldMigrations } from "../shield-migrations.ts";
import {
  activateLtvModel,
  activeLtvModel,
  activeLtvVersion,
  type LtvModelFit,
  listLtvModels,
  saveLtvModel,
} from "./model-store.ts";

let db: Db;
const fit = (r: number): LtvModelFit => ({
  bgnbd: { r, alpha: 4.4135, a: 0.7929, b: 2.4258 },
  gammaGamma: { p: 6.25, q: 3.74, v: 15.45 },
  logLikelihood: -9582.4,
  customers: 2357,
  timeUnit: "week",
  unitsPerMonth: 4.345,
});

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  await db.query("INSERT INTO tenants (id, name) VALUES ('ten_a', 'a'), ('ten_b', 'b')");
});
afterAll(async () => {
  await db?.close();
});

describe(`Shield LTV model store (${testDbKind})`, () => {
  it("numbers each tenant's versions from 1, keeps one active, and loads it", async () => {
    expect(await activeLtvModel(db, "ten_a")).toBeNull();
    const v1 = await saveLtvModel(db, "ten_a", fit(0.24), { activate: true, now: 1_000 });
    const v2 = await saveLtvModel(db, "ten_a", { ...fit(0.3), gammaGamma: null });
    expect([v1.version, v1.active, v2.version, v2.active]).toEqual([1, true, 2, false]);
    expect(v1).toMatchObject({ ...fit(0.24), tenantId: "ten_a", createdAt: 1_000 });
    expect(await activeLtvVersion(db, "ten_a")).toBe(1);

    expect(await activateLtvModel(db, "ten_a", 2)).toBe(true);
    const active = await activeLtvModel(db, "ten_a");
    expect(active).toMatchObject({ version: 2, gammaGamma: null, bgnbd: { r: 0.3 } });
    expect((await listLtvModels(db, "ten_a")).map((m) => [m.version, m.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(await activateLtvModel(db, "ten_a", 9)).toBe(false);
    expect(await activeLtvVersion(db, "ten_a")).toBe(2);
  });

  it("keeps tenant B from reading, activating or writing A's models", async () => {
    const b1 = await saveLtvModel(db, "ten_b", fit(0.5), { activate: true });
    expect(b1.version).toBe(1);
    // B's version 2 does not exist, though A's does: activating it changes nothing of A's.
    expect(await activateLtvModel(db, "ten_b", 2)).toBe(false);
    expect(await activeLtvVersion(db, "ten_a")).toBe(2);
    const asB = tenantDb(db, "ten_b");
    expect(
      await asB.query("SELECT version FROM shield_ltv_models WHERE tenant_id = 'ten_a'"),
    ).toEqual([]);
    expect(await asB.query("SELECT tenant_id FROM shield_ltv_models")).toEqual([
      { tenant_id: "ten_b" },
    ]);
    await expect(
      asB.query(
        `INSERT INTO shield_ltv_models (tenant_id, version, r, alpha, a, b, log_likelihood,
           customers, time_unit, units_per_month, created_at, active)
         VALUES ('ten_a', 7, 1, 1, 1, 1, 0, 1, 'day', 30, now(), false)`,
      ),
    ).rejects.toThrow(/row-level security/);
    await asB.query("UPDATE shield_ltv_models SET active = false WHERE tenant_id = 'ten_a'");
    expect(await activeLtvVersion(db, "ten_a")).toBe(2);
    expect((await activeLtvModel(db, "ten_b"))?.bgnbd.r).toBe(0.5);
  });

  it("refuses a second active version of a tenant and half a spend model", async () => {
    await expect(
      db.query("UPDATE shield_ltv_models SET active = true WHERE tenant_id = 'ten_a'"),
    ).rejects.toThrow();
    await expect(
      saveLtvModel(db, "ten_b", { ...fit(1), gammaGamma: { p: 1, q: Number.NaN, v: 1 } }),
    ).rejects.toThrow("q: expected a finite number > 0, got NaN");
    await expect(
      db.query(
        `INSERT INTO shield_ltv_models (tenant_id, version, r, alpha, a, b, p, log_likelihood,
           customers, time_unit, units_per_month, created_at)
         VALUES ('ten_b', 8, 1, 1, 1, 1, 2, 0, 1, 'day', 30, now())`,
      ),
    ).rejects.toThrow(/check constraint/);
  });
});
