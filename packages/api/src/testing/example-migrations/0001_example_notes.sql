-- The guide's module owns one table: notes, each a tenant's own.
CREATE TABLE example_notes (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
SELECT tenant_owned('example_notes');
