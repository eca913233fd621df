-- Billing through Stripe: each tenant's customer, the Stripe object behind each subscription and
-- the failed payments counted against it, the webhook events already handled, and the tenant's
-- invoices (subscription fees and usage overage, integer cents).
CREATE TABLE billing_customers (
  tenant_id text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  stripe_customer_id text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL
);
SELECT tenant_readable('billing_customers');

ALTER TABLE subscriptions
  ADD COLUMN stripe_subscription_id text UNIQUE,
  ADD COLUMN failed_payments integer NOT NULL DEFAULT 0 CHECK (failed_payments >= 0);

-- Stripe events handled, by id: an event delivered twice is applied once. The platform's alone.
CREATE TABLE stripe_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  received_at timestamptz NOT NULL
);

CREATE TABLE invoices (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'paid', 'void')),
  currency text NOT NULL,
  total_cents bigint NOT NULL,
  lines jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  paid_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, period_start)
);
SELECT tenant_readable('invoices');

-- Usage sent to Stripe as meter events (null: not yet).
ALTER TABLE usage_events ADD COLUMN reported_at timestamptz;
CREATE INDEX usage_events_unreported ON usage_events (recorded_at) WHERE reported_at IS NULL;
