import { createWriteStream, existsSync, renameSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { subscribe, subscriptionsOf } from "@kamiyo/billing";
import { type Db, tenantDb } from "@kamiyo/db";
import { listApiKeys, revokeApiKey } from "@kamiyo/tenancy";

/** The RCA tables of a tenant, children first (the order they are deleted in). */
const TABLES = [
  { name: "rca_agents", order: "agent" },
  { name: "rca_analyses", order: "id" },
  { name: "rca_events", order: "id" },
  { name: "rca_relations", order: "from_id, type, to_id, source_id" },
  { name: "rca_resources", order: "id" },
] as const;
const PAGE = 5_000;

/** What offboarding did. */
export interface Offboarded {
  /** The export file (gzip NDJSON). */
  file: string;
  /** Rows exported, then deleted, by table. */
  rows: Record<string, number>;
  /** The agents' keys revoked (those holding only `ingest:write`). */
  revokedKeys: number;
  /** Whether the tenant's stream was deleted (false: none was given to delete). */
  streamDeleted: boolean;
}

/**
 * Offboards an RCA client: exports its knowledge graph and analyses to `file` (gzip NDJSON: a
 * header line `{"format": "kamiyo-rca-export", …}`, then one `{"table", "row"}` line per row,
 * written to `file.partial` and renamed once complete), then deletes its ingest stream (through
 * `deleteStream`, when the platform runs NATS), its graph (in one transaction, as the tenant), its
 * agents' keys (revoked) and ends its RCA subscription. The tenant itself, its invoices and its
 * usage records stay (billing needs them). Nothing is deleted unless the export was written.
 * @throws Error when `file` already exists.
 */
export async function offboardTenant(
  db: Db,
  tenantId: string,
  opts: { file: string; nowMs: number; deleteStream?: (tenantId: string) => Promise<void> },
): Promise<Offboarded> {
  if (existsSync(opts.file)) throw new Error(`${opts.file} already exists; not overwriting it`);
  const tdb = tenantDb(db, tenantId);
  const rows: Record<string, number> = {};
  const partial = `${opts.file}.partial`;
  async function* lines() {
    yield `${JSON.stringify({ format: "kamiyo-rca-export", version: 1, tenant: tenantId, exportedAt: new Date(opts.nowMs).toISOString() })}\n`;
    for (const t of TABLES) {
      rows[t.name] = 0;
      for (let offset = 0; ; offset += PAGE) {
        const page = await tdb.query<{ row: Record<string, unknown> }>(
          `SELECT to_jsonb(x) - 'tenant_id' AS row FROM ${t.name} x ORDER BY ${t.order} LIMIT ${PAGE} OFFSET ${offset}`,
        );
        for (const r of page) yield `${JSON.stringify({ table: t.name, row: r.row })}\n`;
        rows[t.name] = (rows[t.name] ?? 0) + page.length;
        if (page.length < PAGE) break;
      }
    }
  }
  await pipeline(lines(), createGzip(), createWriteStream(partial, { mode: 0o600 }));
  renameSync(partial, opts.file);

  let streamDeleted = false;
  if (opts.deleteStream) {
    await opts.deleteStream(tenantId);
    streamDeleted = true;
  }
  await tdb.transaction(async (tx) => {
    // The live pods' label lookup is derived from rca_resources: deleted, not exported.
    await tx.query("DELETE FROM rca_pod_labels");
    for (const t of TABLES) await tx.query(`DELETE FROM ${t.name}`);
  });
  let revokedKeys = 0;
  for (const k of await listApiKeys(db, tenantId))
    if (!k.revokedAt && k.scopes.length === 1 && k.scopes[0] === "ingest:write") {
      await revokeApiKey(db, tenantId, k.id, opts.nowMs);
      revokedKeys += 1;
    }
  const rca = (await subscriptionsOf(db, tenantId)).find((s) => s.product === "rca");
  if (rca && rca.status !== "canceled")
    await subscribe(db, { tenantId, planId: rca.plan.id, status: "canceled", nowMs: opts.nowMs });
  return { file: opts.file, rows, revokedKeys, streamDeleted };
}
