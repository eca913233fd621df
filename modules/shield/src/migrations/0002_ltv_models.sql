-- Shield's lifetime-value models (issue 16 §1), versioned per tenant like the platform's ML
-- models (ml_models): each fit saved is a new version 1, 2, 3…, and at most one is active, the
-- one SyncValue serves. Rows are never rewritten but for the active flag.
CREATE TABLE shield_ltv_models (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  -- BG/NBD (purchases) parameters: finite and > 0 (PostgreSQL sorts NaN above Infinity)
  r double precision NOT NULL CHECK (r > 0 AND r < 'Infinity'),
  alpha double precision NOT NULL CHECK (alpha > 0 AND alpha < 'Infinity'),
  a double precision NOT NULL CHECK (a > 0 AND a < 'Infinity'),
  b double precision NOT NULL CHECK (b > 0 AND b < 'Infinity'),
  -- Gamma-Gamma (spend) parameters: all three, or none when the data had no amounts
  p double precision CHECK (p > 0 AND p < 'Infinity'),
  q double precision CHECK (q > 0 AND q < 'Infinity'),
  v double precision CHECK (v > 0 AND v < 'Infinity'),
  log_likelihood double precision NOT NULL CHECK (log_likelihood < 'Infinity'),
  customers integer NOT NULL CHECK (customers > 0),
  -- recency and T's unit in the fitted data, and how many of it make a month (LTV's horizon)
  time_unit text NOT NULL CHECK (time_unit <> ''),
  units_per_month double precision NOT NULL CHECK (units_per_month > 0 AND units_per_month < 'Infinity'),
  created_at timestamptz NOT NULL,
  active boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, version),
  CHECK ((p IS NULL) = (q IS NULL) AND (q IS NULL) = (v IS NULL))
);
CREATE UNIQUE INDEX shield_ltv_models_active ON shield_ltv_models (tenant_id) WHERE active;
SELECT tenant_owned('shield_ltv_models');
