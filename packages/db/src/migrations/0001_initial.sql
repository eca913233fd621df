-- Every tenant-owned table carries tenant_id; open-source mode uses the one default tenant.
CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES ('ten_default', 'Default tenant');

-- One row per condition episode; updated in place while the condition lasts.
CREATE TABLE findings (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  detector text NOT NULL,
  kind text NOT NULL,
  subject_type text NOT NULL CHECK (subject_type IN ('asset', 'vault', 'user', 'market')),
  subject text NOT NULL,
  -- separates simultaneous episodes on one subject (for example a liquidation trade id)
  instance_key text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
  status text NOT NULL CHECK (status IN ('open', 'resolved')),
  title text NOT NULL,
  evidence jsonb NOT NULL,
  first_data_at timestamptz NOT NULL,
  data_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  resolved_at timestamptz,
  occurrences integer NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX findings_by_detected ON findings (tenant_id, detected_at DESC, id DESC);
CREATE INDEX findings_by_subject ON findings (tenant_id, subject, detected_at DESC);
CREATE INDEX findings_open ON findings (tenant_id, status) WHERE status = 'open';

-- Account value and positions of HLP family vaults (clearinghouseState), at most one a minute per vault.
CREATE TABLE vault_states (
  tenant_id text NOT NULL REFERENCES tenants (id),
  vault text NOT NULL,
  ts timestamptz NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('parent', 'child', 'liquidator')),
  account_value double precision NOT NULL,
  total_ntl_pos double precision NOT NULL,
  unrealized_pnl double precision NOT NULL,
  positions jsonb NOT NULL,
  PRIMARY KEY (tenant_id, vault, ts)
);

-- Cumulative PnL and account value of HLP family vaults (portfolio), one row per poll.
CREATE TABLE vault_pnl (
  tenant_id text NOT NULL REFERENCES tenants (id),
  vault text NOT NULL,
  ts timestamptz NOT NULL,
  account_value double precision NOT NULL,
  cumulative_pnl double precision NOT NULL,
  PRIMARY KEY (tenant_id, vault, ts)
);

-- Per-perp market context with the external prices known at that time, at most one a minute per coin.
CREATE TABLE market_samples (
  tenant_id text NOT NULL REFERENCES tenants (id),
  coin text NOT NULL,
  ts timestamptz NOT NULL,
  mark_px double precision NOT NULL,
  oracle_px double precision NOT NULL,
  mid_px double precision,
  binance_px double precision,
  coinbase_px double precision,
  funding double precision NOT NULL,
  open_interest double precision NOT NULL,
  day_ntl_vlm double precision NOT NULL,
  PRIMARY KEY (tenant_id, coin, ts)
);

-- Every liquidation, backstop takeover and ADL fill the monitor saw.
CREATE TABLE liquidations (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  ts timestamptz NOT NULL,
  coin text NOT NULL,
  method text NOT NULL CHECK (method IN ('backstop', 'market', 'adl')),
  liquidated_side text NOT NULL CHECK (liquidated_side IN ('long', 'short')),
  px double precision NOT NULL,
  sz double precision NOT NULL,
  notional_usd double precision NOT NULL,
  liquidated_user text,
  counterparty text,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX liquidations_by_ts ON liquidations (tenant_id, ts DESC);
