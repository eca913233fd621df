-- Email and password sign-in: a person's password (scrypt, salt and parameters in the string) and
-- the sessions a sign-in opens, each for one tenant, kept by a cookie whose SHA-256 is stored.

-- One password per person (people are global). kamiyo_app gets no grant on it: only the platform
-- and find_sign_in below read it, so a tenant's SQL cannot read a member's hash.
CREATE TABLE user_passwords (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  hash text NOT NULL,
  changed_at timestamptz NOT NULL
);

-- A signed-in person in one tenant. The cookie holds 32 random bytes; the table their SHA-256.
-- Valid while not revoked, before expires_at (absolute) and within the idle time of last_seen_at.
CREATE TABLE sessions (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  hash bytea NOT NULL UNIQUE,
  user_id text NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX sessions_by_user ON sessions (user_id) WHERE revoked_at IS NULL;
SELECT tenant_owned('sessions');

-- Sign-in and the cookie are checked before the tenant is known: like find_api_key, these
-- functions (owned by the migrating role) are the only cross-tenant reads kamiyo_app makes.
DO $$
BEGIN
  -- A person by address, with their password hash and one row per membership (tenant null: none).
  EXECUTE format($f$
    CREATE FUNCTION find_sign_in(address text)
    RETURNS TABLE (user_id text, email text, password_hash text, tenant_id text, tenant_name text,
                   role text, tenant_status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS $b$
      SELECT u.id, u.email, p.hash, m.tenant_id, t.name, m.role, t.status
      FROM users u
      LEFT JOIN user_passwords p ON p.user_id = u.id
      LEFT JOIN memberships m ON m.user_id = u.id
      LEFT JOIN tenants t ON t.id = m.tenant_id
      WHERE u.email = address
      ORDER BY m.created_at, m.tenant_id
    $b$ $f$, current_schema());
  -- A session by its hash, with the person's current role in its tenant (null: no longer a member).
  EXECUTE format($f$
    CREATE FUNCTION find_session(session_hash bytea)
    RETURNS TABLE (tenant_id text, id text, user_id text, role text, expires_at timestamptz,
                   last_seen_at timestamptz, revoked_at timestamptz, tenant_status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS $b$
      SELECT s.tenant_id, s.id, s.user_id, m.role, s.expires_at, s.last_seen_at, s.revoked_at,
        t.status
      FROM sessions s
      JOIN tenants t ON t.id = s.tenant_id
      LEFT JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id = s.user_id
      WHERE s.hash = session_hash
    $b$ $f$, current_schema());
  -- Once a key or a password exists, every request needs credentials (the zero-config start ends).
  EXECUTE format($f$
    CREATE FUNCTION credentials_exist() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = %I, pg_temp AS $b$
      SELECT EXISTS (SELECT 1 FROM api_keys) OR EXISTS (SELECT 1 FROM user_passwords)
    $b$ $f$, current_schema());
END $$;
