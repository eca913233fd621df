import { apiHarness, type Harness, NOW } from "@kamiyo/api/testing";
import { tenantDb } from "@kamiyo/db";
import { createTenant } from "@kamiyo/tenancy";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditRecords } from "../audit/append.ts";
import { auditRecordHash } from "../audit/record-hash.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { shieldApi } from "./index.ts";

let h: Harness;
let key: string;
let tenantId: string;

beforeAll(async () => {
  h = await apiHarness({ seeded: false, modules: [shieldApi], migrations: [shieldMigrations] });
  const made = await createTenant(h.db, { name: "growth", actor: "test", nowMs: NOW });
  tenantId = made.tenant.id;
  key = made.key;
  // Twelve records, a decision or a bid in turn, a checkpoint every five.
  const records = Array.from({ length: 12 }, (_, i) => ({
    kind: i % 2 === 0 ? "decision" : "bid",
    at: NOW + i * 1_000,
    body: { campaignId: "cmp_1", bidMicros: 1_000_000 + i },
  }));
  await tenantDb(h.db, tenantId).transaction((tx) =>
    appendAuditRecords(tx, records, { checkpointEvery: 5 }),
  );
});
afterAll(async () => h?.close());

const call = (method: "GET" | "POST", url: string, payload?: object) =>
  h.app.inject({
    method,
    url,
    headers: { "x-api-key": key },
    ...(payload && { payload: payload as Record<string, unknown> }),
  });

describe(`the audit trail through the API (${testDbKind})`, () => {
  it("lists records newest first, of one kind when asked, paged by seq", async () => {
    const first = await call("GET", "/shield/audit/records?limit=5");
    expect(first.statusCode, first.body).toBe(200);
    h.expectValid("GET", "/shield/audit/records", 200, first.json());
    const page = first.json();
    expect(page.data.map((r: { seq: number }) => r.seq)).toEqual([12, 11, 10, 9, 8]);
    expect(page.nextCursor).toBe("8");
    // Each record carries what its hash covers, so a reader can recompute it.
    const [top] = page.data;
    expect(auditRecordHash({ ...top, prev_hash: top.prevHash })).toBe(top.hash);
    expect(page.data[1].hash).toBe(top.prevHash);
    const older = (
      await call("GET", `/shield/audit/records?limit=5&cursor=${page.nextCursor}`)
    ).json();
    expect(older.data.map((r: { seq: number }) => r.seq)).toEqual([7, 6, 5, 4, 3]);
    const bids = (await call("GET", "/shield/audit/records?kind=bid")).json();
    expect(bids.data.map((r: { seq: number }) => r.seq)).toEqual([12, 10, 8, 6, 4, 2]);
    expect((await call("GET", "/shield/audit/records?cursor=x")).statusCode).toBe(400);
  });

  it("gives the checkpoints to keep as anchors, and verifies the chain on request", async () => {
    const cps = (await call("GET", "/shield/audit/checkpoints")).json().data;
    expect(cps.map((c: { seq: number }) => c.seq)).toEqual([5, 10]);
    const ok = await call("POST", "/shield/audit/verifications", {});
    expect(ok.statusCode, ok.body).toBe(200);
    h.expectValid("POST", "/shield/audit/verifications", 200, ok.json());
    expect(ok.json()).toMatchObject({ ok: true, records: 12, from: 1, firstBroken: null });
    expect(ok.json().head.seq).toBe(12);
    const fromCp = (
      await call("POST", "/shield/audit/verifications", { fromCheckpoint: 10 })
    ).json();
    expect(fromCp).toMatchObject({ ok: true, records: 3, from: 10 });
    const bad = await call("POST", "/shield/audit/verifications", { fromCheckpoint: 7 });
    expect([bad.statusCode, bad.json().error.message]).toEqual([
      400,
      'body "fromCheckpoint": no checkpoint at seq 7',
    ]);
  });

  it("names the first broken record once someone rewrote one", async () => {
    await h.db.transaction(async (tx) => {
      await tx.query("ALTER TABLE shield_audit_records DISABLE TRIGGER append_only");
      await tx.query(
        `UPDATE shield_audit_records SET body = jsonb_set(body, '{bidMicros}', '1')
         WHERE tenant_id = $1 AND seq = 6`,
        [tenantId],
      );
      await tx.query("ALTER TABLE shield_audit_records ENABLE TRIGGER append_only");
    });
    const v = (await call("POST", "/shield/audit/verifications")).json();
    expect(v).toMatchObject({
      ok: false,
      records: 5,
      firstBroken: { seq: 6, reason: "hash mismatch" },
    });
  });
});
