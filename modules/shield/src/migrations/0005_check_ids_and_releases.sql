-- The policy check's retries and releases (docs/shield.md, "Retries and releases"). Both
-- tenant-owned; both written under the tenant's audit-chain lock, in the transaction that appends
-- the audit record they point at (no foreign key to the append-only trail: one would make its
-- TRUNCATE fail before its trigger refuses it).

-- A check's id given by its caller (a bid request's id), so a retried check answers the decision
-- already made instead of deciding and reserving again. Remembered 24 hours after the decision,
-- as payment APIs keep idempotency keys; request_sha256 is the SHA-256 of the check's canonical
-- JSON without its id, so the same id with another bid is refused rather than answered.
CREATE TABLE shield_check_ids (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  check_id text NOT NULL CHECK (check_id ~ '^[A-Za-z0-9._:-]{1,128}$'),
  request_sha256 text NOT NULL CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
  -- the `decision` record that answered it
  audit_seq bigint NOT NULL CHECK (audit_seq > 0),
  decided_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, check_id)
);
CREATE INDEX shield_check_ids_decided ON shield_check_ids (tenant_id, decided_at);
SELECT tenant_owned('shield_check_ids');

-- An allowed decision's reservation given back, all or part (the bid was not sent, or cost less
-- than reserved): at most one per decision, so a retried release gives back nothing twice.
CREATE TABLE shield_releases (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  decision_id text NOT NULL,
  -- the allowed `decision` record, and the `release` record appended with this row
  decision_seq bigint NOT NULL CHECK (decision_seq > 0),
  audit_seq bigint NOT NULL CHECK (audit_seq > 0),
  campaign_id text NOT NULL,
  period_start timestamptz NOT NULL,
  released_micros bigint NOT NULL CHECK (released_micros > 0 AND released_micros <= 9007199254740991),
  reason text NOT NULL CHECK (reason IN ('not_sent', 'rejected', 'lost', 'settled_lower')),
  released_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, decision_id)
);
SELECT tenant_owned('shield_releases');
