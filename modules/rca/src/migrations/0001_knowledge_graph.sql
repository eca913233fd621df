-- The per-tenant Kubernetes knowledge graph (issue 15 §3): resources, the relations between them,
-- timestamped events on them, and the RCA queries asked of them. Every table is a tenant's own:
-- forced row-level security, written and read as kamiyo_app through tenantDb.

-- A Kubernetes object (or a service seen only in call edges). Deleted objects keep their row
-- with deleted_at set (a tombstone), so events on them still name what they were.
CREATE TABLE rca_resources (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- <kind>/<namespace>/<name>, or node/<name> for cluster-scoped kinds
  id text NOT NULL,
  kind text NOT NULL,
  namespace text,
  name text NOT NULL,
  -- the workload (service) it belongs to: a Deployment's name for its ReplicaSets and pods
  service text,
  uid text,
  labels jsonb NOT NULL DEFAULT '{}',
  -- a Service's label selector, matched against pods' labels for SELECTS
  selector jsonb,
  -- a small summary: phase, conditions, container states and restarts, replicas
  status jsonb NOT NULL DEFAULT '{}',
  resource_version text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX rca_resources_by_kind ON rca_resources (tenant_id, kind, namespace, name);
CREATE INDEX rca_resources_selecting ON rca_resources (tenant_id, namespace)
  WHERE kind = 'service' AND selector IS NOT NULL AND deleted_at IS NULL;
SELECT tenant_owned('rca_resources');

-- A directed edge, with the resource (or feed) whose description asserted it: when that source
-- changes, the edges it no longer asserts are tombstoned.
CREATE TABLE rca_relations (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  type text NOT NULL CHECK (type IN ('CONTROLS', 'OWNS', 'RUNS_ON', 'SELECTS', 'MOUNTS', 'ROUTES_TO', 'CALLS')),
  from_id text NOT NULL,
  to_id text NOT NULL,
  source_id text NOT NULL,
  weight double precision NOT NULL DEFAULT 1,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (tenant_id, from_id, type, to_id, source_id)
);
CREATE INDEX rca_relations_to ON rca_relations (tenant_id, to_id) WHERE deleted_at IS NULL;
CREATE INDEX rca_relations_source ON rca_relations (tenant_id, source_id);
SELECT tenant_owned('rca_relations');

-- Something that happened to a resource: a Kubernetes event, a state change the graph builder
-- saw (OOMKilled, CrashLoopBackOff, node NotReady, …), a metric anomaly (value vs baseline), a
-- burst of log errors. dedup_key makes recording the same happening twice a no-op.
CREATE TABLE rca_events (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  dedup_key text NOT NULL,
  resource_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('k8s_event', 'state_change', 'metric_anomaly', 'log_burst')),
  reason text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  message text NOT NULL DEFAULT '',
  data jsonb NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, dedup_key)
);
CREATE INDEX rca_events_by_resource ON rca_events (tenant_id, resource_id, occurred_at);
CREATE INDEX rca_events_by_time ON rca_events (tenant_id, occurred_at);
SELECT tenant_owned('rca_events');

-- An RCA query: its symptom and ranked answer.
CREATE TABLE rca_analyses (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  symptom jsonb NOT NULL,
  result jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX rca_analyses_recent ON rca_analyses (tenant_id, created_at DESC, id DESC);
SELECT tenant_owned('rca_analyses');
