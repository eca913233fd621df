-- A tenant's subscriptions: one per product it uses, each to a plan of the catalog
-- (packages/billing), with a status. Billing periods run monthly from anchor_at.
CREATE TABLE subscriptions (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  product text NOT NULL CHECK (product IN ('platform', 'intel', 'rca', 'shield')),
  plan_id text NOT NULL,
  status text NOT NULL
    CHECK (status IN ('trialing', 'active', 'past_due', 'suspended', 'canceled')),
  trial_ends_at timestamptz,
  anchor_at timestamptz NOT NULL,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, product)
);

-- A tenant reads its own subscriptions; only the platform (billing, the operator) changes them.
SELECT tenant_readable('subscriptions');

-- Every tenant's edition (tenants.plan) becomes its platform subscription; the subscription is
-- the one place a tenant's plan is kept from now on.
INSERT INTO subscriptions (tenant_id, product, plan_id, status, anchor_at, created_at, updated_at)
SELECT id, 'platform', plan, 'active', created_at, created_at, created_at FROM tenants;
ALTER TABLE tenants DROP COLUMN plan;
