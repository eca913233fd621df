-- Alerting: channels (with their routing filter), alerts, the delivery outbox and its attempts,
-- routing state per fingerprint, silences, and daily counts for plan caps.

-- A destination and the findings it wants. origin 'config' rows come from the operator's
-- configuration (trusted URLs); origin 'api' rows are user webhooks (SSRF-guarded).
CREATE TABLE alert_channels (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('discord', 'slack', 'telegram', 'email', 'webhook')),
  name text NOT NULL,
  origin text NOT NULL CHECK (origin IN ('config', 'api')),
  config jsonb NOT NULL,
  filter jsonb NOT NULL,
  -- webhook signing: the current secret, and the previous one while a rotation overlaps
  secret text,
  previous_secret text,
  previous_secret_until timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  -- start of the current run of failed attempts (null after a success)
  failing_since timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- One notification decision: what every matching channel is sent.
CREATE TABLE alerts (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  type text NOT NULL,
  fingerprint text,
  severity text NOT NULL,
  title text NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX alerts_by_created ON alerts (tenant_id, created_at DESC);

-- Alerts held back to be sent together: a group (same detector and subject) within its window
-- after the last alert sent, a storm, or the daily cap. flush_at is when the held ones go out
-- as one grouped alert or summary.
CREATE TABLE alert_groups (
  tenant_id text NOT NULL REFERENCES tenants (id),
  group_key text NOT NULL,
  last_sent_at timestamptz,
  flush_at timestamptz,
  held jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (tenant_id, group_key)
);
CREATE INDEX alert_groups_due ON alert_groups (flush_at) WHERE flush_at IS NOT NULL;

-- The outbox: one row per (alert, channel), written in the alert's transaction. id is the
-- webhook-id, stable across retries. While pending, next_attempt_at is when it is due; a worker
-- that claims it moves next_attempt_at to the end of its lease, so a crashed worker's deliveries
-- fall due again when the lease runs out.
CREATE TABLE deliveries (
  tenant_id text NOT NULL,
  id text NOT NULL,
  alert_id text NOT NULL,
  channel_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'exhausted', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  -- attempts made before the latest manual replay: the retry schedule restarts from there
  replayed_after integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_by text,
  last_error text,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, alert_id) REFERENCES alerts (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, channel_id) REFERENCES alert_channels (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_channel ON deliveries (tenant_id, channel_id, created_at DESC, id DESC);

CREATE TABLE delivery_attempts (
  tenant_id text NOT NULL,
  delivery_id text NOT NULL,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  latency_ms integer NOT NULL,
  ok boolean NOT NULL,
  status_code integer,
  error text,
  excerpt text NOT NULL,
  PRIMARY KEY (tenant_id, delivery_id, attempt),
  FOREIGN KEY (tenant_id, delivery_id) REFERENCES deliveries (tenant_id, id) ON DELETE CASCADE
);

-- Routing state of a condition (detector, kind, subject, key) across its episodes: what was
-- last notified, for dedup, escalation, resolved notices and cooldown.
CREATE TABLE alert_fingerprints (
  tenant_id text NOT NULL REFERENCES tenants (id),
  fingerprint text NOT NULL,
  finding_id text NOT NULL,
  severity text NOT NULL,
  status text NOT NULL,
  notified_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, fingerprint)
);

-- Findings matching an active silence raise no alert; their routing state still advances, so
-- the silenced episode is not announced late when the silence ends.
CREATE TABLE silences (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  matchers jsonb NOT NULL,
  comment text NOT NULL,
  created_by text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

-- Alerts sent per UTC day, for the plan's daily cap.
CREATE TABLE alert_days (
  tenant_id text NOT NULL REFERENCES tenants (id),
  day date NOT NULL,
  sent integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);
