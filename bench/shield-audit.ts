/**
 * The Shield audit trail benchmark, on PostgreSQL (with --database-url) and the embedded PGlite:
 * appending decisions to one tenant's hash chain, one record per transaction and in batches
 * (the tenant's lock, the head read, SHA-256 of each record's RFC 8785 JSON, one insert a batch),
 * then verifying the whole chain (paged re-read, every hash recomputed).
 */
import { tenantDb } from "@kamiyo/db";
import {
  type AuditRecordInput,
  appendAuditRecord,
  appendAuditRecords,
  shieldMigrations,
  verifyAuditChain,
} from "@kamiyo/shield";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const TENANT = "ten_bench_audit";
const SINGLES = 2_000;
const BATCH = 500;
const BATCHED = 50_000;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

/** A policy decision as the check will record it: inputs, policy version, verdict, reasons. */
const decision = (i: number): AuditRecordInput => ({
  kind: "decision",
  at: Date.UTC(2026, 0, 1) + i,
  body: {
    request: { client: "cli_1", campaign: `cmp_${i % 50}`, bidMicros: 1_250_000 + (i % 997) },
    predictedLtvMicros: 48_120_000,
    policyVersion: 7,
    verdict: i % 10 === 0 ? "deny" : "allow",
    reasons: i % 10 === 0 ? ["daily budget would be exceeded"] : [],
  },
});

export async function shieldAuditBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
}): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    const bench = await openBenchDb(
      "shield_audit",
      kind === "postgres" ? opts.databaseUrl : undefined,
      [shieldMigrations],
    );
    try {
      const { db, storage } = bench;
      await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
      const tdb = tenantDb(db, TENANT);
      let t0 = performance.now();
      for (let i = 1; i <= SINGLES; i++)
        await tdb.transaction((tx) => appendAuditRecord(tx, decision(i)));
      const singleS = (performance.now() - t0) / 1000;
      t0 = performance.now();
      for (let i = 0; i < BATCHED; i += BATCH)
        await tdb.transaction((tx) =>
          appendAuditRecords(
            tx,
            Array.from({ length: BATCH }, (_, j) => decision(SINGLES + i + j + 1)),
          ),
        );
      const batchS = (performance.now() - t0) / 1000;
      t0 = performance.now();
      const verified = await verifyAuditChain(db, TENANT);
      const verifyS = (performance.now() - t0) / 1000;
      if (!verified.ok)
        throw new Error(`the bench's chain did not verify: ${JSON.stringify(verified)}`);
      rows.push(
        [
          `Shield audit trail: append, one record a transaction (${storage})`,
          `${fmt(SINGLES / singleS)} records/s`,
          `${fmt(SINGLES)} decisions in sequence, each in its own tenant transaction (role switch, advisory lock, head read, insert)`,
        ],
        [
          `Shield audit trail: append in batches of ${BATCH} (${storage})`,
          `${fmt(BATCHED / batchS)} records/s`,
          `${fmt(BATCHED)} decisions, ${BATCHED / BATCH} transactions, one insert each; a checkpoint every 1,000 records`,
        ],
        [
          `Shield audit trail: verify (${storage})`,
          `${fmt(verified.records / verifyS)} records/s`,
          `the ${fmt(verified.records)}-record chain re-read 1,000 a page, every hash recomputed, checkpoints compared`,
        ],
      );
    } finally {
      await bench.close();
    }
  }
  return rows;
}
