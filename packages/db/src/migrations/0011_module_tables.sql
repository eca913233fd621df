-- What a product module's migration calls to put its tables under the platform's tenancy, so
-- each module states its intent in one line instead of restating 0009's policies:
--   SELECT tenant_owned('my_table');   -- rows of one tenant (needs a tenant_id text column)
--   SELECT tenant_readable('my_table'); -- rows of one tenant that only the platform writes
--   SELECT public_readable('my_table'); -- data every tenant reads (written by the platform)

-- Rows of one tenant: forced RLS; the tenant's policy (for everything it may do: a FOR ALL
-- policy's USING is also its WITH CHECK), the platform's, and the tenant role's grants.
CREATE FUNCTION tenant_table(t regclass, tenant_writes boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
  EXECUTE format(
    'CREATE POLICY tenant_rows ON %s FOR %s TO kamiyo_app
       USING (tenant_id = current_setting(''app.tenant_id'', true))',
    t, CASE WHEN tenant_writes THEN 'ALL' ELSE 'SELECT' END);
  EXECUTE format('CREATE POLICY platform_rows ON %s TO kamiyo_platform USING (true)', t);
  EXECUTE format('GRANT %s ON %s TO kamiyo_app',
    CASE WHEN tenant_writes THEN 'SELECT, INSERT, UPDATE, DELETE' ELSE 'SELECT' END, t);
END $$;

CREATE FUNCTION tenant_owned(t regclass) RETURNS void LANGUAGE sql AS $$
  SELECT tenant_table(t, true);
$$;

CREATE FUNCTION tenant_readable(t regclass) RETURNS void LANGUAGE sql AS $$
  SELECT tenant_table(t, false);
$$;

CREATE FUNCTION public_readable(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('GRANT SELECT ON %s TO kamiyo_app', t);
END $$;
