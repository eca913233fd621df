-- People are global (one user may belong to several tenants), but a tenant sees only its own
-- members: users get row-level security through memberships.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY member_users ON users TO kamiyo_app
  USING (EXISTS (
    SELECT 1 FROM memberships m
    WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true)
  ));
CREATE POLICY platform_rows ON users TO kamiyo_platform USING (true);
CREATE INDEX memberships_by_user ON memberships (user_id);
