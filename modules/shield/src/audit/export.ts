import type { Db } from "@kamiyo/db";
import { canonicalJson } from "./canonical-json.ts";
import { auditCheckpoints, auditRecordPages } from "./read-records.ts";
import { auditGenesisHash } from "./record-hash.ts";

/** The formats `exportAuditTrail` writes. */
export const AUDIT_EXPORT_FORMATS = ["csv", "json"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/** The CSV columns: the hashed fields (body as its canonical JSON) and the hash. */
const CSV_HEADER = "seq,kind,at,body,prev_hash,hash\n";

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
const csvField = (text: string): string =>
  /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

/**
 * A tenant's audit trail as text, a chunk at a time (a page of records each), so any length
 * streams in constant memory. Each record carries exactly what its hash covers, so anyone can
 * re-check it: SHA-256 of the RFC 8785 JSON of {seq, kind, at, body, prev_hash}.
 * - csv: a header, then one line a record; body is its canonical JSON.
 * - json: one object, `{"format": "kamiyo-shield-audit", "version": 1, "tenant", "genesis",
 *   "records": [...], "checkpoints": [{seq, hash, at}]}`, one record a line, each in canonical
 *   JSON.
 */
export async function* exportAuditTrail(
  db: Db,
  tenantId: string,
  format: AuditExportFormat,
): AsyncGenerator<string> {
  if (format === "csv") {
    yield CSV_HEADER;
    for await (const page of auditRecordPages(db, tenantId))
      yield page
        .map(
          (r) =>
            `${[String(r.seq), r.kind, r.at, canonicalJson(r.body), r.prev_hash, r.hash].map(csvField).join(",")}\n`,
        )
        .join("");
    return;
  }
  yield `{"format":"kamiyo-shield-audit","version":1,"tenant":${JSON.stringify(tenantId)},"genesis":"${auditGenesisHash(tenantId)}","records":[`;
  let first = true;
  for await (const page of auditRecordPages(db, tenantId)) {
    let chunk = "";
    for (const r of page) {
      chunk += `${first ? "" : ","}\n${canonicalJson(r)}`;
      first = false;
    }
    yield chunk;
  }
  const checkpoints = await auditCheckpoints(db, tenantId);
  yield `\n],"checkpoints":${JSON.stringify(checkpoints)}}\n`;
}
