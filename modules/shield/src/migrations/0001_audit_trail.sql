-- Shield's audit trail (issue 16 §4): every decision, appended to a per-tenant hash chain that
-- nobody rewrites unseen. A record's hash is the SHA-256 of the RFC 8785 canonical JSON of
-- {seq, kind, at, body, prev_hash}; the first record's prev_hash is the tenant's genesis hash.
-- Both tables are append-only: UPDATE and DELETE are not granted to kamiyo_app, and a trigger
-- refuses them to everyone, the owner included (docs/shield.md, "The audit trail").

-- One record: seq is 1, 2, 3… per tenant without gaps (appenders hold the tenant's advisory lock).
-- No ON DELETE CASCADE: a tenant with an audit trail cannot be deleted until the platform purges
-- it with shield_audit_purge (below), as the platform's own audit_log keeps tenants.
CREATE TABLE shield_audit_records (
  tenant_id text NOT NULL REFERENCES tenants (id),
  seq bigint NOT NULL CHECK (seq > 0),
  kind text NOT NULL CHECK (kind <> ''),
  at timestamptz NOT NULL,
  body jsonb NOT NULL,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (tenant_id, seq)
);
SELECT tenant_owned('shield_audit_records');
REVOKE UPDATE, DELETE ON shield_audit_records FROM kamiyo_app;

-- The chain's hash at a record, written every N records and on demand: verification may start
-- from one, and a copy kept outside the database proves the records up to it were not rewritten.
CREATE TABLE shield_audit_checkpoints (
  tenant_id text NOT NULL REFERENCES tenants (id),
  seq bigint NOT NULL CHECK (seq > 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
SELECT tenant_owned('shield_audit_checkpoints');
REVOKE UPDATE, DELETE ON shield_audit_checkpoints FROM kamiyo_app;

-- Refuses UPDATE, DELETE and TRUNCATE, except the deletes of the one tenant that
-- shield_audit_purge names for its own transaction.
CREATE FUNCTION shield_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.tenant_id = current_setting('shield.audit_purge_tenant', true) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON shield_audit_records
  FOR EACH ROW EXECUTE FUNCTION shield_audit_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON shield_audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION shield_audit_append_only();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON shield_audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION shield_audit_append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON shield_audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION shield_audit_append_only();

-- Offboarding: deletes a tenant's whole audit trail (after the platform exported it), so the
-- tenant row may then go. The platform's to call: kamiyo_app may not execute it, nor delete rows.
-- Returns the records deleted.
CREATE FUNCTION shield_audit_purge(tenant text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  deleted bigint;
BEGIN
  PERFORM set_config('shield.audit_purge_tenant', tenant, true);
  DELETE FROM shield_audit_checkpoints WHERE tenant_id = tenant;
  DELETE FROM shield_audit_records WHERE tenant_id = tenant;
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('shield.audit_purge_tenant', '', true);
  RETURN deleted;
END $$;
REVOKE EXECUTE ON FUNCTION shield_audit_purge(text) FROM PUBLIC;
