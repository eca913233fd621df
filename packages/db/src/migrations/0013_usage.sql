-- Usage, as events: what a tenant used, on which meter, when (event time), counted once per
-- idempotency key. Written by the platform in the transaction of the work it counts where it can;
-- read by the tenant (GET /usage) and by invoicing.
CREATE TABLE usage_events (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  product text NOT NULL CHECK (product IN ('platform', 'intel', 'rca', 'shield')),
  meter text NOT NULL CHECK (meter IN ('api_calls', 'alerts_sent', 'webhook_deliveries',
    'events_ingested', 'rca_queries', 'storage_bytes', 'policy_checks')),
  value bigint NOT NULL CHECK (value >= 0),
  event_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX usage_events_by_time ON usage_events (tenant_id, meter, event_at);

SELECT tenant_readable('usage_events');
