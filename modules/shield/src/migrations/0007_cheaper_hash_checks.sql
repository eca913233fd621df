-- SHA-256 hex columns written with every policy check are checked for 64 lowercase hex digits
-- without the regex engine: the audit record's two regular expressions were about a fifth of a
-- check's time in PostgreSQL (docs/performance.md, "Shield policy check"). Same rule, cheaper
-- test: the length, and nothing left once the hex digits are trimmed. Existing rows are checked
-- again as the new constraints are added.
ALTER TABLE shield_audit_records
  DROP CONSTRAINT shield_audit_records_prev_hash_check,
  DROP CONSTRAINT shield_audit_records_hash_check,
  ADD CONSTRAINT shield_audit_records_prev_hash_check
    CHECK (octet_length(prev_hash) = 64 AND ltrim(prev_hash, '0123456789abcdef') = ''),
  ADD CONSTRAINT shield_audit_records_hash_check
    CHECK (octet_length(hash) = 64 AND ltrim(hash, '0123456789abcdef') = '');

ALTER TABLE shield_check_ids
  DROP CONSTRAINT shield_check_ids_request_sha256_check,
  ADD CONSTRAINT shield_check_ids_request_sha256_check
    CHECK (octet_length(request_sha256) = 64 AND ltrim(request_sha256, '0123456789abcdef') = '');
