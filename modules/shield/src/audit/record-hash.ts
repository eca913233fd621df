import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

/** A record's fields as hashed (and exported): `at` as ISO 8601 in UTC with milliseconds. */
export interface HashedFields {
  seq: number;
  kind: string;
  at: string;
  body: unknown;
  prev_hash: string;
}

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** The record's hash: hex SHA-256 of the RFC 8785 canonical JSON of its hashed fields. */
export function auditRecordHash(fields: HashedFields): string {
  return sha256Hex(
    canonicalJson({
      seq: fields.seq,
      kind: fields.kind,
      at: fields.at,
      body: fields.body,
      prev_hash: fields.prev_hash,
    }),
  );
}

/**
 * The first record's prev_hash for `tenantId`: hex SHA-256 of the canonical JSON of
 * `{"chain": "kamiyo-shield-audit", "tenant": tenantId}`. Per tenant rather than 64 zeros, so a
 * tenant's records copied into another tenant's trail do not verify there.
 */
export function auditGenesisHash(tenantId: string): string {
  return sha256Hex(canonicalJson({ chain: "kamiyo-shield-audit", tenant: tenantId }));
}
