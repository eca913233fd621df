-- Tenancy: users, memberships with roles, API keys stored hashed, the audit log, and row-level
-- security on every tenant-owned table.
--
-- Two roles carry the isolation (both NOLOGIN; created once per cluster):
--   kamiyo_app       what a tenant's request runs as: `SET LOCAL ROLE kamiyo_app` and
--                    `set_config('app.tenant_id', …, true)` open every tenant transaction
--                    (packages/db/src/tenant-db.ts). Not an owner, not a superuser, no BYPASSRLS:
--                    the policies below decide what it sees.
--   kamiyo_platform  the platform's own cross-tenant work (the alert router fanning a finding out
--                    to every tenant, the delivery worker, the operator's CLI): the role that
--                    runs the migrations is made a member.
-- Public data (findings, market data, exploit incidents, models) is not tenant-owned: kamiyo_app
-- may only read it.

DO $$
BEGIN
  CREATE ROLE kamiyo_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
  CREATE ROLE kamiyo_platform NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$
BEGIN
  EXECUTE format('GRANT kamiyo_app, kamiyo_platform TO %I', current_user);
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN NULL;
END $$;

ALTER TABLE tenants
  ADD COLUMN plan text NOT NULL DEFAULT 'open_source',
  ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));

-- A person; one user may belong to several tenants.
CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  tenant_id text NOT NULL REFERENCES tenants (id),
  user_id text NOT NULL REFERENCES users (id),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);

-- Keys are stored as their SHA-256; `prefix` (kmy_live_ + 8 characters) names a key in lists.
CREATE TABLE api_keys (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  name text NOT NULL,
  prefix text NOT NULL,
  hash bytea NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  -- Narrows what the role allows; empty: everything the role allows.
  scopes text[] NOT NULL DEFAULT '{}',
  -- The platform operator's keys (`/admin/…`); only the CLI makes them.
  operator boolean NOT NULL DEFAULT false,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  -- Set on the old key when it was rotated: the key that replaced it.
  replaced_by text,
  PRIMARY KEY (tenant_id, id)
);

-- Every mutation: who, what, on what, in which request; before/after as SHA-256 of their JSON.
CREATE TABLE audit_log (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  request_id text,
  before_hash text,
  after_hash text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_by_at ON audit_log (tenant_id, at DESC, id DESC);

-- Authentication happens before the tenant is known: these two functions, owned by the
-- migrating role, are the only way kamiyo_app reads api_keys across tenants.
DO $$
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION find_api_key(key_hash bytea)
    RETURNS TABLE (tenant_id text, id text, role text, scopes text[], operator boolean,
                   expires_at timestamptz, revoked_at timestamptz, tenant_status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS $b$
      SELECT k.tenant_id, k.id, k.role, k.scopes, k.operator, k.expires_at, k.revoked_at, t.status
      FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.hash = key_hash
    $b$ $f$, current_schema());
  EXECUTE format($f$
    CREATE FUNCTION api_keys_exist() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS $b$
      SELECT EXISTS (SELECT 1 FROM api_keys)
    $b$ $f$, current_schema());
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO kamiyo_app, kamiyo_platform', current_schema());
END $$;

-- Tenant-owned tables: the row's tenant must be the transaction's.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['alert_channels', 'alerts', 'alert_groups', 'deliveries',
    'delivery_attempts', 'alert_fingerprints', 'silences', 'alert_days', 'memberships',
    'api_keys', 'audit_log']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_rows ON %I TO kamiyo_app
         USING (tenant_id = current_setting(''app.tenant_id'', true))
         WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    EXECUTE format('CREATE POLICY platform_rows ON %I TO kamiyo_platform USING (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO kamiyo_app', t);
  END LOOP;
  -- A tenant sees its own row of tenants (and locks it to count its webhooks).
  ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
  ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
  CREATE POLICY own_tenant ON tenants TO kamiyo_app
    USING (id = current_setting('app.tenant_id', true));
  CREATE POLICY platform_rows ON tenants TO kamiyo_platform USING (true);
  GRANT SELECT, UPDATE ON tenants TO kamiyo_app;
  GRANT SELECT ON users TO kamiyo_app;
  FOREACH t IN ARRAY ARRAY['findings', 'vault_states', 'vault_pnl', 'vault_portfolios', 'market_samples',
    'liquidations', 'ml_models', 'intel_reports', 'intel_incidents', 'intel_sources']
  LOOP
    EXECUTE format('GRANT SELECT ON %I TO kamiyo_app', t);
  END LOOP;
END $$;
