import { hash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

/** A record's fields as hashed (and exported): `at` as ISO 8601 in UTC with milliseconds. */
export interface HashedFields {
  seq: number;
  kind: string;
  at: string;
  body: unknown;
  prev_hash: string;
}

/** Hex SHA-256 of the text's UTF-8 (one call: no Hash object per record). */
const sha256Hex = (text: string): string => hash("sha256", text, "hex");

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
 * {@link auditRecordHash} of a record whose body's canonical JSON is already made (appending
 * makes it for the insert): the record's canonical JSON is written around it, its members in
 * RFC 8785 order (`at`, `body`, `kind`, `prev_hash`, `seq`), so the body is serialised once.
 */
export function auditRecordHashOfCanonicalBody(
  fields: Omit<HashedFields, "body">,
  canonicalBody: string,
): string {
  if (!Number.isSafeInteger(fields.seq))
    throw new Error(`seq: expected a safe integer, got ${fields.seq}`);
  return sha256Hex(
    `{"at":${canonicalJson(fields.at)},"body":${canonicalBody},"kind":${canonicalJson(fields.kind)},"prev_hash":${canonicalJson(fields.prev_hash)},"seq":${fields.seq}}`,
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
