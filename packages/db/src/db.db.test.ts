import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding } from "@kamiyo/core";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "./db.ts";
import {
  getFinding,
  listFindings,
  listOpenFindings,
  pruneResolvedFindings,
  upsertFindings,
} from "./findings-repo.ts";
import { DEFAULT_TENANT_ID } from "./index.ts";
import { loadMigrations, migrate } from "./migrate.ts";
import { openDb } from "./open-db.ts";
import { PgliteDb } from "./pglite-db.ts";

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const finding: Finding = {
  id: "fnd_00000000aabbccddeeff",
  tenantId: DEFAULT_TENANT_ID,
  detector: "oracle",
  kind: "deviation",
  subject: { type: "asset", id: "ETH" },
  key: "",
  severity: "high",
  status: "open",
  title: "ETH mark 0.6% above Binance",
  evidence: { deviationPct: 0.6, venues: ["binance", "coinbase"] },
  firstDataAt: 1_741_766_400_000,
  dataAt: 1_741_766_430_000,
  detectedAt: 1_741_766_431_000,
  updatedAt: 1_741_766_431_000,
  resolvedAt: null,
  occurrences: 2,
};

describe(`storage on ${testDbKind}`, () => {
  it("applies migrations once, and again is a no-op", async () => {
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ module: string; version: number }>(
      "SELECT module, version FROM schema_migrations ORDER BY version",
    );
    expect(rows).toEqual(loadMigrations().map((m) => ({ module: "platform", version: m.version })));
    const tenants = await db.query<{ id: string }>("SELECT id FROM tenants");
    expect(tenants.map((t) => t.id)).toContain(DEFAULT_TENANT_ID);
  });

  it("refuses a database that has a migration this code does not know", async () => {
    await db.query(
      "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')",
    );
    await expect(migrate(db)).rejects.toThrow(/9999/);
    await db.query("DELETE FROM schema_migrations WHERE version = 9999");
  });

  it("brings a ledger from before modules to versions per module", async () => {
    await db.exec(
      `ALTER TABLE schema_migrations DROP CONSTRAINT schema_migrations_pkey;
       ALTER TABLE schema_migrations DROP COLUMN module;
       ALTER TABLE schema_migrations ADD PRIMARY KEY (version)`,
    );
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ module: string }>(
      "SELECT DISTINCT module FROM schema_migrations",
    );
    expect(rows).toEqual([{ module: "platform" }]);
  });

  describe("a product module's migrations", () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-migrations-"));
    const source = { module: "demo", dir: new URL(`file://${dir}/`) };
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("apply after the platform's, versioned on their own, once", async () => {
      writeFileSync(
        join(dir, "0001_demo_items.sql"),
        `CREATE TABLE demo_items (tenant_id text NOT NULL REFERENCES tenants (id), id text PRIMARY KEY);
         SELECT tenant_owned('demo_items');`,
      );
      expect(await migrate(db, [source])).toEqual(["demo/1"]);
      expect(await migrate(db, [source])).toEqual([]);
      const [forced] = await db.query<{ forced: boolean }>(
        "SELECT relforcerowsecurity AS forced FROM pg_class WHERE oid = 'demo_items'::regclass",
      );
      expect(forced?.forced).toBe(true);
      // As the app role, a tenant writes its own rows and no other tenant's.
      const asDefault = (sql: string) =>
        db.transaction(async (tx) => {
          await tx.query("SELECT set_config('app.tenant_id', 'ten_default', true)");
          await tx.query("SELECT set_config('role', 'kamiyo_app', true)");
          return tx.query(sql);
        });
      expect(
        await asDefault("INSERT INTO demo_items VALUES ('ten_default', 'd1') RETURNING id"),
      ).toEqual([{ id: "d1" }]);
      await expect(asDefault("INSERT INTO demo_items VALUES ('ten_other', 'd2')")).rejects.toThrow(
        /row-level security/,
      );
      // Another install that does not compose the module starts; one that has it and lost a file does not.
      expect(await migrate(db)).toEqual([]);
      rmSync(join(dir, "0001_demo_items.sql"));
      await expect(migrate(db, [source])).rejects.toThrow(/demo\/1/);
    });

    it("refuse a tenant table outside forced row-level security, and keep nothing of it", async () => {
      writeFileSync(
        join(dir, "0001_demo_items.sql"),
        "CREATE TABLE demo_items (tenant_id text NOT NULL, id text PRIMARY KEY); SELECT tenant_owned('demo_items');",
      );
      writeFileSync(
        join(dir, "0002_demo_open.sql"),
        "CREATE TABLE demo_open (tenant_id text NOT NULL, id text PRIMARY KEY);",
      );
      await expect(migrate(db, [source])).rejects.toThrow(
        /demo\/2 leaves demo_open with a tenant_id and no forced row-level security/,
      );
      const [open] = await db.query<{ t: string | null }>(
        "SELECT to_regclass('demo_open')::text AS t",
      );
      expect(open?.t).toBeNull();
    });

    it("refuse two sources with one module id", () => {
      expect(() => loadMigrations([source, source])).toThrow(/two migration sources named "demo"/);
      expect(() => loadMigrations([{ ...source, module: "Demo!" }])).toThrow(/expected/);
    });
  });

  it("round-trips a finding and updates it in place", async () => {
    await upsertFindings(db, [finding]);
    expect(await getFinding(db, DEFAULT_TENANT_ID, finding.id)).toEqual(finding);
    const resolved: Finding = {
      ...finding,
      status: "resolved",
      resolvedAt: finding.updatedAt + 5,
      occurrences: 3,
    };
    await upsertFindings(db, [finding, resolved]);
    expect(await getFinding(db, DEFAULT_TENANT_ID, finding.id)).toEqual(resolved);
    expect(await listOpenFindings(db, DEFAULT_TENANT_ID)).toEqual([]);
    expect(await getFinding(db, "ten_other", finding.id)).toBeNull();
  });

  it("filters and orders findings newest first", async () => {
    const more = [1, 2, 3].map((i) => ({
      ...finding,
      id: `fnd_x${i}`,
      severity: i === 3 ? ("critical" as const) : ("medium" as const),
      detectedAt: finding.detectedAt + i * 1000,
    }));
    await upsertFindings(db, more);
    const all = await listFindings(db, DEFAULT_TENANT_ID, { limit: 10 });
    expect(all.map((f) => f.id).slice(0, 3)).toEqual(["fnd_x3", "fnd_x2", "fnd_x1"]);
    const critical = await listFindings(db, DEFAULT_TENANT_ID, {
      severities: ["critical"],
      limit: 10,
    });
    expect(critical.map((f) => f.id)).toEqual(["fnd_x3"]);
  });

  it("rolls a transaction back when it throws", async () => {
    await expect(
      db.transaction(async (tx) => {
        await upsertFindings(tx, [{ ...finding, id: "fnd_rollback" }]);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await getFinding(db, DEFAULT_TENANT_ID, "fnd_rollback")).toBeNull();
  });

  it("prunes resolved findings past retention and keeps open ones whatever their age", async () => {
    const old = finding.updatedAt - 1;
    await upsertFindings(db, [
      { ...finding, id: "fnd_prune_open", status: "open", updatedAt: old - 10 },
      {
        ...finding,
        id: "fnd_prune_done",
        status: "resolved",
        resolvedAt: old,
        updatedAt: old - 10,
      },
    ]);
    expect(await pruneResolvedFindings(db, DEFAULT_TENANT_ID, old)).toBeGreaterThanOrEqual(1);
    expect(await getFinding(db, DEFAULT_TENANT_ID, "fnd_prune_done")).toBeNull();
    expect(await getFinding(db, DEFAULT_TENANT_ID, "fnd_prune_open")).not.toBeNull();
  });
});

describe("embedded PGlite", () => {
  it("holds its data directory for one process, and takes over the lock of a process that died", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-lock-"));
    try {
      const first = await PgliteDb.open(dir);
      await expect(PgliteDb.open(dir)).rejects.toThrow(
        `the data directory ${dir} is in use by process ${process.pid} (this one)`,
      );
      await first.close();
      // A lock left by a process that is gone (pid 2^22 + 1 is above Linux's pid_max default).
      writeFileSync(join(dir, "kamiyo.lock"), String(4_194_305));
      const again = await PgliteDb.open(dir);
      expect((await again.query<{ one: number }>("SELECT 1 AS one"))[0]?.one).toBe(1);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has planner statistics as soon as a data directory is reopened (it runs no autovacuum)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-analyze-"));
    try {
      const first = await openDb({ databaseUrl: null, dataDir: dir });
      await upsertFindings(
        first,
        Array.from({ length: 2000 }, (_, k) => ({
          ...finding,
          id: `fnd_${k.toString().padStart(12, "0")}`,
        })),
      );
      await first.close();
      const db = await openDb({ databaseUrl: null, dataDir: dir });
      const [row] = await db.query<{ tuples: number }>(
        "SELECT reltuples::int AS tuples FROM pg_class WHERE relname = 'findings'",
      );
      await db.close();
      expect(row?.tuples).toBe(2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
