import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, tenantDb } from "@kamiyo/db";
import { CliError } from "@kamiyo/platform";
import { createTestDb, testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditRecords } from "../audit/append.ts";
import { canonicalJson } from "../audit/canonical-json.ts";
import { shieldMigrations } from "../shield-migrations.ts";
import { runShieldCli } from "../testing/index.ts";

const T0 = Date.UTC(2026, 0, 1);
let db: Db;
let dir: string;

/** Runs `kamiyo shield audit …args` in-process on the test database; returns what it printed. */
const run = (...args: string[]) => runShieldCli(db, "audit", ...args);

/** A tenant with `n` decisions, a checkpoint every 5. */
async function tenantWith(id: string, n: number): Promise<void> {
  await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [id]);
  const records = Array.from({ length: n }, (_, i) => ({
    kind: "decision",
    at: T0 + i * 60_000,
    body: {
      campaign: "cmp_1",
      bidMicros: 2_000_000 + i,
      verdict: "allow",
      reasons: [],
      note: 'a, "quoted"\nline',
    },
  }));
  await tenantDb(db, id).transaction((tx) =>
    appendAuditRecords(tx, records, { checkpointEvery: 5 }),
  );
}

beforeAll(async () => {
  db = await createTestDb({ modules: [shieldMigrations] });
  dir = mkdtempSync(join(tmpdir(), "kamiyo-shield-audit-"));
  await tenantWith("ten_intact", 12);
  await tenantWith("ten_tampered", 12);
  await db.transaction(async (tx) => {
    await tx.query("ALTER TABLE shield_audit_records DISABLE TRIGGER append_only");
    await tx.query(
      `UPDATE shield_audit_records SET body = jsonb_set(body, '{bidMicros}', '9999999')
       WHERE tenant_id = 'ten_tampered' AND seq = 5`,
    );
    await tx.query("ALTER TABLE shield_audit_records ENABLE TRIGGER append_only");
  });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.close();
});

describe(`kamiyo shield audit (${testDbKind})`, () => {
  it("verify: exits 0 for an intact chain, as text and JSON", async () => {
    const text = await run("verify", "--tenant", "ten_intact");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /^tenant ten_intact: audit trail intact: 12 records, head seq 12 hash [0-9a-f]{64}\n$/,
    );
    const json = await run("verify", "--tenant", "ten_intact", "--json");
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, records: 12, head: { seq: 12 } });
    expect((await run("verify", "--tenant", "ten_intact", "--from", "10")).out).toContain(
      "intact: 3 records",
    );
  });

  it("verify: exits 1 naming the first broken record and why", async () => {
    const text = await run("verify", "--tenant", "ten_tampered");
    expect(text).toEqual({
      out: "",
      err: "kamiyo: tenant ten_tampered: audit trail broken at seq 5: hash mismatch (4 records intact before it)\n",
      code: 1,
    });
    const json = await run("verify", "--tenant", "ten_tampered", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: false,
      records: 4,
      firstBroken: { seq: 5, reason: "hash mismatch" },
    });
  });

  it("verify: checks anchors kept elsewhere, and refuses what it cannot do", async () => {
    const anchors = join(dir, "anchors.json");
    writeFileSync(anchors, JSON.stringify([{ seq: 3, hash: "a".repeat(64) }]));
    expect((await run("verify", "--tenant", "ten_intact", "--anchors", anchors)).err).toContain(
      "broken at seq 3: checkpoint mismatch",
    );
    await expect(run("verify", "--tenant", "ten_nobody")).rejects.toThrow(
      new CliError("--tenant: no tenant ten_nobody"),
    );
    await expect(run("verify", "--tenant", "ten_intact", "--from", "4")).rejects.toThrow(
      new CliError("--from: no checkpoint at seq 4"),
    );
    writeFileSync(anchors, '{"seq": 1}');
    await expect(run("verify", "--tenant", "ten_intact", "--anchors", anchors)).rejects.toThrow(
      'expected a JSON array of {"seq", "hash"}',
    );
  });

  it("export: JSON anyone can re-check with SHA-256 and RFC 8785, and its checkpoints as anchors", async () => {
    const file = join(dir, "trail.json");
    expect(
      (await run("export", "--tenant", "ten_intact", "--format", "json", "--out", file)).code,
    ).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const trail = JSON.parse(readFileSync(file, "utf8"));
    expect(trail).toMatchObject({
      format: "kamiyo-shield-audit",
      version: 1,
      tenant: "ten_intact",
    });
    expect(trail.records).toHaveLength(12);
    let prev = trail.genesis;
    for (const { hash, ...fields } of trail.records) {
      expect(fields.prev_hash).toBe(prev);
      expect(createHash("sha256").update(canonicalJson(fields)).digest("hex")).toBe(hash);
      prev = hash;
    }
    expect(trail.checkpoints.map((c: { seq: number }) => c.seq)).toEqual([5, 10]);
    const anchors = join(dir, "checkpoints.json");
    writeFileSync(anchors, JSON.stringify(trail.checkpoints));
    expect((await run("verify", "--tenant", "ten_intact", "--anchors", anchors)).code).toBe(0);
    expect((await run("verify", "--tenant", "ten_tampered", "--anchors", anchors)).code).toBe(1);
    await expect(
      run("export", "--tenant", "ten_intact", "--format", "json", "--out", file),
    ).rejects.toThrow("already exists");
  });

  it("checkpoint: writes one at the head and prints it, for verify --anchors", async () => {
    await tenantWith("ten_checkpoint", 3);
    const { out, code } = await run("checkpoint", "--tenant", "ten_checkpoint");
    expect(code).toBe(0);
    const written = JSON.parse(out);
    expect(written).toEqual({ seq: 3, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const anchors = join(dir, "written.json");
    writeFileSync(anchors, JSON.stringify([written]));
    expect((await run("verify", "--tenant", "ten_checkpoint", "--from", "3")).code).toBe(0);
    expect((await run("verify", "--tenant", "ten_checkpoint", "--anchors", anchors)).code).toBe(0);
    await db.query("INSERT INTO tenants (id, name) VALUES ('ten_empty', 'e')");
    expect((await run("checkpoint", "--tenant", "ten_empty")).out).toBe("null\n");
  });

  it("export: CSV on stdout, one line a record, fields quoted as RFC 4180 says", async () => {
    const { out } = await run("export", "--tenant", "ten_intact", "--format", "csv");
    // The body's line break is JSON's "\n", so a record is one line.
    const [header, ...records] = out.split("\n");
    expect(header).toBe("seq,kind,at,body,prev_hash,hash");
    expect(records).toHaveLength(13);
    expect(records.pop()).toBe("");
    expect(records[0]).toMatch(
      /^1,decision,2026-01-01T00:00:00.000Z,"\{""bidMicros"":2000000,""campaign"":""cmp_1"",""note"":""a, \\""quoted\\""\\nline"",""reasons"":\[\],""verdict"":""allow""\}",[0-9a-f]{64},[0-9a-f]{64}$/,
    );
    expect(records[11]).toMatch(/^12,decision,2026-01-01T00:11:00.000Z,/);
    await expect(run("export", "--tenant", "ten_intact", "--format", "xml")).rejects.toThrow(
      new CliError("--format: expected one of csv, json"),
    );
  });
});
