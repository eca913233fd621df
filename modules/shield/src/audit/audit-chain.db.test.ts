import { type Db, tenantDb } from "@kamiyo/db";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shieldMigrations } from "../shield-migrations.ts";
import {
  type AuditRecordInput,
  appendAuditRecord,
  appendAuditRecords,
  writeAuditCheckpoint,
} from "./append.ts";
import { auditCheckpoints } from "./read-records.ts";
import { auditRecordHash } from "./record-hash.ts";
import { verifyAuditChain } from "./verify.ts";

const T0 = Date.UTC(2026, 0, 1);
let db: Db;
let tenants = 0;

/** A new tenant (one per scenario, so a tampered chain spoils no other test). */
async function newTenant(): Promise<string> {
  const id = `ten_audit_${++tenants}`;
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  return id;
}

const decision = (i: number): AuditRecordInput => ({
  kind: "decision",
  at: T0 + i * 1_000,
  body: {
    campaign: `cmp_${i % 3}`,
    bidMicros: 1_250_000 + i,
    verdict: i % 4 === 0 ? "deny" : "allow",
    reasons: i % 4 === 0 ? ["budget exhausted"] : [],
    policyVersion: 3,
  },
});

/** A tenant whose chain holds `n` decisions, appended in batches of 4, a checkpoint every 5. */
async function tenantWith(n: number): Promise<string> {
  const id = await newTenant();
  const all = Array.from({ length: n }, (_, i) => decision(i + 1));
  for (let i = 0; i < n; i += 4)
    await tenantDb(db, id).transaction((tx) =>
      appendAuditRecords(tx, all.slice(i, i + 4), { checkpointEvery: 5 }),
    );
  return id;
}

/** Runs `sql` as the owner with the append-only trigger off, as someone rewriting history would. */
async function tamper(sql: string, params: unknown[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("ALTER TABLE shield_audit_records DISABLE TRIGGER append_only");
    await tx.query(sql, params);
    await tx.query("ALTER TABLE shield_audit_records ENABLE TRIGGER append_only");
  });
}

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
});
afterAll(async () => {
  await db?.close();
});

describe(`the audit trail (${testDbKind})`, () => {
  it("chains records one by one and in batches, checkpoints every N, and verifies", async () => {
    const id = await newTenant();
    const one = await tenantDb(db, id).transaction((tx) => appendAuditRecord(tx, decision(1)));
    expect(one.seq).toBe(1);
    const more = await tenantDb(db, id).transaction((tx) =>
      appendAuditRecords(tx, [2, 3, 4, 5, 6, 7].map(decision), { checkpointEvery: 5 }),
    );
    expect(more.map((r) => r.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(more[0]?.prevHash).toBe(one.hash);
    expect((await auditCheckpoints(db, id)).map((c) => c.seq)).toEqual([5]);
    const manual = await tenantDb(db, id).transaction((tx) =>
      writeAuditCheckpoint(tx, T0 + 99_000),
    );
    expect(manual).toEqual({ seq: 7, hash: more[5]?.hash });

    const result = await verifyAuditChain(db, id, { pageSize: 3 });
    expect(result).toEqual({ ok: true, records: 7, head: { seq: 7, hash: more[5]?.hash } });
    expect(await verifyAuditChain(db, id, { from: 5 })).toMatchObject({ ok: true, records: 3 });
    await expect(verifyAuditChain(db, id, { from: 4 })).rejects.toThrow("no checkpoint at seq 4");
    expect(await verifyAuditChain(db, await newTenant())).toEqual({
      ok: true,
      records: 0,
      head: null,
    });
  });

  it("keeps bodies whose JSON jsonb rewrites (member order, numbers, escapes) verifiable", async () => {
    const id = await newTenant();
    const body = {
      z: 1,
      a: [1e21, 1e-7, 0.1, -0, 333333333.3333333, 2 ** 53, { "€": 'é\n"', "\r": null }],
      nested: { b: true, a: false, "10": "ten", "9": "nine" },
      text: "emoji 😀, tab \t, quote '",
    };
    await tenantDb(db, id).transaction((tx) =>
      appendAuditRecord(tx, { kind: "note", at: T0 + 0.6, body }),
    );
    expect(await verifyAuditChain(db, id)).toMatchObject({ ok: true, records: 1 });
    await expect(
      tenantDb(db, id).transaction((tx) =>
        appendAuditRecord(tx, { kind: "note", at: T0, body: { x: Number.NaN } }),
      ),
    ).rejects.toThrow("NaN");
    await expect(
      tenantDb(db, id).transaction((tx) =>
        appendAuditRecord(tx, { kind: "note", at: T0, body: { x: "nul \u0000" } }),
      ),
    ).rejects.toThrow("unsupported Unicode escape sequence");
    expect(await verifyAuditChain(db, id)).toMatchObject({ ok: true, records: 1 });
  });

  it("gives concurrent appenders a gapless chain", async () => {
    const id = await newTenant();
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        tenantDb(db, id).transaction((tx) => appendAuditRecord(tx, decision(i + 1))),
      ),
    );
    expect(appended.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await verifyAuditChain(db, id)).toMatchObject({ ok: true, records: 20 });
  });

  it("refuses UPDATE and DELETE to the app role, and to the owner through the trigger", async () => {
    const id = await tenantWith(5);
    const asApp = tenantDb(db, id);
    for (const table of ["shield_audit_records", "shield_audit_checkpoints"]) {
      await expect(asApp.query(`UPDATE ${table} SET seq = seq`)).rejects.toThrow(
        `permission denied for table ${table}`,
      );
      await expect(asApp.query(`DELETE FROM ${table}`)).rejects.toThrow(
        `permission denied for table ${table}`,
      );
      await expect(
        db.query(`UPDATE ${table} SET seq = seq WHERE tenant_id = $1`, [id]),
      ).rejects.toThrow(`${table} is append-only: UPDATE refused`);
      await expect(db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [id])).rejects.toThrow(
        `${table} is append-only: DELETE refused`,
      );
      await expect(db.query(`TRUNCATE ${table}`)).rejects.toThrow(
        `${table} is append-only: TRUNCATE refused`,
      );
    }
    expect(await verifyAuditChain(db, id)).toMatchObject({ ok: true, records: 5 });
  });

  it("fails at a record whose body the owner rewrote: hash mismatch", async () => {
    const id = await tenantWith(12);
    await tamper(
      `UPDATE shield_audit_records SET body = jsonb_set(body, '{verdict}', '"deny"')
       WHERE tenant_id = $1 AND seq = 5`,
      [id],
    );
    expect(await verifyAuditChain(db, id, { pageSize: 4 })).toEqual({
      ok: false,
      records: 4,
      head: { seq: 4, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      firstBroken: { seq: 5, reason: "hash mismatch" },
    });
  });

  it("fails at the next record when the owner rehashed one, and at a checkpoint when they rehashed the rest", async () => {
    const id = await tenantWith(12);
    const [five] = await db.query<{
      seq: number;
      kind: string;
      at: Date;
      body: unknown;
      prev_hash: string;
    }>(
      "SELECT seq, kind, at, body, prev_hash FROM shield_audit_records WHERE tenant_id = $1 AND seq = 5",
      [id],
    );
    if (!five) throw new Error("no record 5");
    const body = { ...(five.body as object), verdict: "deny" };
    const hash = auditRecordHash({
      ...five,
      seq: Number(five.seq),
      at: five.at.toISOString(),
      body,
    });
    await tamper(
      "UPDATE shield_audit_records SET body = $2, hash = $3 WHERE tenant_id = $1 AND seq = 5",
      [id, JSON.stringify(body), hash],
    );
    expect((await verifyAuditChain(db, id)).firstBroken).toEqual({
      seq: 5,
      reason: "checkpoint mismatch",
    });
    expect((await verifyAuditChain(db, id, { from: 10 })).ok).toBe(true);
    // Without the stored checkpoint there, the next record's link names the break.
    const other = await tenantWith(4);
    await tamper(
      "UPDATE shield_audit_records SET prev_hash = $2 WHERE tenant_id = $1 AND seq = 3",
      [other, "0".repeat(64)],
    );
    expect((await verifyAuditChain(db, other)).firstBroken).toEqual({
      seq: 3,
      reason: "prev_hash mismatch",
    });
    // An anchor kept elsewhere catches a rewrite the stored checkpoints cannot.
    expect(
      (await verifyAuditChain(db, other, { anchors: [{ seq: 2, hash: "f".repeat(64) }] }))
        .firstBroken,
    ).toEqual({ seq: 2, reason: "checkpoint mismatch" });
  });

  it("fails at a record the owner deleted: gap in seq; and at a checkpoint past a deleted end", async () => {
    const id = await tenantWith(12);
    await tamper("DELETE FROM shield_audit_records WHERE tenant_id = $1 AND seq = 7", [id]);
    expect(await verifyAuditChain(db, id)).toMatchObject({
      ok: false,
      records: 6,
      firstBroken: { seq: 7, reason: "gap in seq" },
    });
    const end = await tenantWith(10);
    await tamper("DELETE FROM shield_audit_records WHERE tenant_id = $1 AND seq >= 10", [end]);
    expect((await verifyAuditChain(db, end)).firstBroken).toEqual({
      seq: 10,
      reason: "checkpoint mismatch",
    });
  });

  it("shows a tenant none of another's records, and refuses writing into another's chain", async () => {
    const a = await tenantWith(3);
    const b = await newTenant();
    expect(await tenantDb(db, b).query("SELECT * FROM shield_audit_records")).toEqual([]);
    expect(await tenantDb(db, b).query("SELECT * FROM shield_audit_checkpoints")).toEqual([]);
    expect(await tenantDb(db, a).query("SELECT seq FROM shield_audit_records")).toHaveLength(3);
    await expect(
      tenantDb(db, b).query(
        `INSERT INTO shield_audit_records (tenant_id, seq, kind, at, body, prev_hash, hash)
         VALUES ($1, 4, 'decision', now(), '{}', $2, $2)`,
        [a, "0".repeat(64)],
      ),
    ).rejects.toThrow("row-level security");
    expect(await verifyAuditChain(db, a)).toMatchObject({ ok: true, records: 3 });
  });

  it("stores only 64 lowercase hex digits as a hash or a previous hash", async () => {
    const t = await newTenant();
    const insert = (prev: string, hash: string) =>
      tenantDb(db, t).query(
        `INSERT INTO shield_audit_records (tenant_id, seq, kind, at, body, prev_hash, hash)
         VALUES ($1, 1, 'decision', now(), '{}', $2, $3)`,
        [t, prev, hash],
      );
    const hex = "0123456789abcdef".repeat(4);
    for (const bad of [hex.slice(1), `${hex}0`, hex.toUpperCase(), `${hex.slice(1)}g`, ""]) {
      await expect(insert(bad, hex), bad).rejects.toThrow("shield_audit_records_prev_hash_check");
      await expect(insert(hex, bad), bad).rejects.toThrow("shield_audit_records_hash_check");
    }
    await insert(hex, hex);
  });

  it("is written only in a tenant's transaction", async () => {
    await expect(db.transaction((tx) => appendAuditRecord(tx, decision(1)))).rejects.toThrow(
      "the audit trail is written in a tenant's transaction (tenantDb)",
    );
  });

  it("keeps a tenant with an audit trail until the platform purges it", async () => {
    const id = await tenantWith(6);
    await expect(db.query("DELETE FROM tenants WHERE id = $1", [id])).rejects.toThrow(
      "foreign key",
    );
    await expect(tenantDb(db, id).query("SELECT shield_audit_purge($1)", [id])).rejects.toThrow(
      "permission denied for function shield_audit_purge",
    );
    const other = await tenantWith(2);
    const [purged] = await db.query<{ n: number }>("SELECT shield_audit_purge($1) AS n", [id]);
    expect(Number(purged?.n)).toBe(6);
    await db.query("DELETE FROM tenants WHERE id = $1", [id]);
    // The purge's permission ended with its transaction, and touched no other tenant.
    await expect(
      db.query("DELETE FROM shield_audit_records WHERE tenant_id = $1", [other]),
    ).rejects.toThrow("append-only");
    expect(await verifyAuditChain(db, other)).toMatchObject({ ok: true, records: 2 });
  });
});
