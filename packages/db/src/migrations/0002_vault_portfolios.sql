-- The latest portfolio (day, week, month and all-time PnL and account value series) of each HLP
-- family vault, so the API computes PnL windows, drawdown and Sharpe without a running monitor.
CREATE TABLE vault_portfolios (
  tenant_id text NOT NULL REFERENCES tenants (id),
  vault text NOT NULL,
  ts timestamptz NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('parent', 'child', 'liquidator')),
  periods jsonb NOT NULL,
  PRIMARY KEY (tenant_id, vault)
);

-- Findings changed since a point, in change order (the live stream's resume and polling).
CREATE INDEX findings_by_updated ON findings (tenant_id, updated_at, id);
