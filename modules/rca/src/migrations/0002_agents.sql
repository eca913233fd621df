-- The agents a tenant runs in its clusters, as their last health report described them.
CREATE TABLE rca_agents (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- The agent's own name (its pod, or the host it runs on).
  agent text NOT NULL,
  cluster text,
  version text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- Set by the report an agent sends as it stops.
  stopped boolean NOT NULL DEFAULT false,
  health jsonb NOT NULL,
  PRIMARY KEY (tenant_id, agent)
);
SELECT tenant_owned('rca_agents');
