-- SyncShield, the policy check every bid passes (issue 16 §2; docs/shield.md, "Policy check").
-- A tenant's policies (versioned, one active), its clients and campaigns (budgets in integer
-- micros per UTC period, kill switches) and what each campaign committed in each period. All
-- tenant-owned; the check reads them and reserves spend in the transaction that appends its
-- decision to the audit trail.

-- A policy document (the typed rule set, validated before it is saved) per version 1, 2, 3…; at
-- most one active. Rows are never rewritten but for the active flag.
CREATE TABLE shield_policies (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  document jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  active boolean NOT NULL DEFAULT false,
  PRIMARY KEY (tenant_id, version)
);
CREATE UNIQUE INDEX shield_policies_active ON shield_policies (tenant_id) WHERE active;
SELECT tenant_owned('shield_policies');

-- An advertiser the tenant bids for; its kill switch stops every campaign of it.
CREATE TABLE shield_clients (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL CHECK (id ~ '^[A-Za-z0-9._:-]{1,128}$'),
  name text NOT NULL,
  killed boolean NOT NULL DEFAULT false,
  kill_reason text,
  killed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
SELECT tenant_owned('shield_clients');

-- A campaign of a client: its budget for each period (day, ISO week from Monday, or calendar
-- month, all UTC) in micros of the account's currency, and its own kill switch.
CREATE TABLE shield_campaigns (
  tenant_id text NOT NULL,
  id text NOT NULL CHECK (id ~ '^[A-Za-z0-9._:-]{1,128}$'),
  client_id text NOT NULL,
  name text NOT NULL,
  budget_micros bigint NOT NULL CHECK (budget_micros > 0 AND budget_micros <= 9007199254740991),
  period text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  killed boolean NOT NULL DEFAULT false,
  kill_reason text,
  killed_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, client_id) REFERENCES shield_clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX shield_campaigns_client ON shield_campaigns (tenant_id, client_id);
SELECT tenant_owned('shield_campaigns');

-- The spend allowed bids reserved against a campaign in one period (its UTC start), in micros.
CREATE TABLE shield_campaign_spend (
  tenant_id text NOT NULL,
  campaign_id text NOT NULL,
  period_start timestamptz NOT NULL,
  spent_micros bigint NOT NULL CHECK (spent_micros >= 0 AND spent_micros <= 9007199254740991),
  -- the allowed bids those micros reserve
  bids bigint NOT NULL DEFAULT 0 CHECK (bids >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, campaign_id, period_start),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES shield_campaigns (tenant_id, id) ON DELETE CASCADE
);
SELECT tenant_owned('shield_campaign_spend');
