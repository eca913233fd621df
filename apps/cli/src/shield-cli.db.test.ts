import { migrate, tenantDb } from "@kamiyo/db";
import { appendAuditRecords, shieldMigrations } from "@kamiyo/shield";
import { cdnowFixture } from "@kamiyo/shield/testing";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliStorage, cliStorage } from "./testing/cli-storage.ts";

let storage: CliStorage;

beforeAll(async () => {
  storage = await cliStorage("kamiyo-shield");
  const db = await storage.open();
  try {
    await migrate(db, [shieldMigrations]);
    await db.query("INSERT INTO tenants (id, name) VALUES ('ten_ltv', 'ltv')");
    for (const id of ["ten_intact", "ten_tampered"]) {
      await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
      const records = [1, 2, 3, 4].map((i) => ({
        kind: "decision",
        at: Date.UTC(2026, 0, 1, 0, i),
        body: { campaign: "cmp_1", bidMicros: 1_000_000 * i, verdict: "allow" },
      }));
      await tenantDb(db, id).transaction((tx) => appendAuditRecords(tx, records));
    }
    await db.transaction(async (tx) => {
      await tx.query("ALTER TABLE shield_audit_records DISABLE TRIGGER append_only");
      await tx.query(
        `UPDATE shield_audit_records SET body = body || '{"verdict": "deny"}'
         WHERE tenant_id = 'ten_tampered' AND seq = 3`,
      );
      await tx.query("ALTER TABLE shield_audit_records ENABLE TRIGGER append_only");
    });
  } finally {
    await db.close(); // a PGlite directory is opened by one process at a time
  }
}, 120_000);
afterAll(async () => {
  await storage?.close();
});

describe(`kamiyo shield audit verify, as the app composes it (${testDbKind})`, () => {
  it("exits 0 for an intact chain, 1 naming the first broken record, 2 for an unknown tenant", async () => {
    const intact = await storage.run(["shield", "audit", "verify", "--tenant", "ten_intact"]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^tenant ten_intact: audit trail intact: 4 records, head seq 4/);
    const broken = await storage.run(["shield", "audit", "verify", "--tenant", "ten_tampered"]);
    expect(broken).toMatchObject({
      code: 1,
      stdout: "",
      stderr: expect.stringContaining(
        "kamiyo: tenant ten_tampered: audit trail broken at seq 3: hash mismatch (2 records intact before it)\n",
      ),
    });
    const unknown = await storage.run(["shield", "audit", "verify", "--tenant", "ten_nobody"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("kamiyo: --tenant: no tenant ten_nobody\n");
  });
});

describe(`kamiyo shield ltv fit --save and ltv models, as the app composes it (${testDbKind})`, () => {
  it("saves the CDNOW fit as the tenant's active version 1 and lists it", async () => {
    const summary = cdnowFixture("cdnow_customers_summary_with_transactions.csv");
    const saved = await storage.run([
      ...["shield", "ltv", "fit", "--summary", summary, "--unit", "week"],
      ...["--tenant", "ten_ltv", "--save", "--activate"],
    ]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain("saved as version 1 of tenant ten_ltv (active)\n");
    const list = await storage.run(["shield", "ltv", "models", "--tenant", "ten_ltv"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^\* v1 .* 2357 customers in weeks {2}r 0\.24/);
  });
});
