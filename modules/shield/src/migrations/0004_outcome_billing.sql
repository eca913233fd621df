-- Shield's outcome billing (issue 16 §5): each client's billing terms, the outcomes recorded (by
-- id, so recording one twice appends it once), the invoices computed from the audit trail, and
-- the state of each invoice's run through payment and CRM (so a crashed run resumes where it
-- stopped and never charges twice). All tenant-owned. Clients are the tenant's own text ids.

-- A client's terms: the ROAS it had before Shield (basis points: 3.0 is 30000), Shield's share of
-- the additional revenue (null: the plan's, 15 %), and where its invoices are paid and recorded.
CREATE TABLE shield_billing_terms (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  client_id text NOT NULL CHECK (client_id ~ '^[A-Za-z0-9._:@-]{1,128}$'),
  baseline_roas_bps integer NOT NULL CHECK (baseline_roas_bps > 0),
  share_bps integer CHECK (share_bps BETWEEN 0 AND 10000),
  currency text NOT NULL DEFAULT 'usd' CHECK (currency ~ '^[a-z]{3}$'),
  payment_provider text CHECK (payment_provider IN ('stripe', 'paypal', 'zuora')),
  -- the client at the payment provider: a Stripe customer, a PayPal vault id, a Zuora account
  payment_customer_id text CHECK (payment_customer_id <> ''),
  crm_provider text CHECK (crm_provider IN ('salesforce', 'hubspot')),
  -- the client's account in the CRM: a Salesforce Account id, a HubSpot company id
  crm_account_id text CHECK (crm_account_id <> ''),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, client_id),
  CHECK ((payment_provider IS NULL) = (payment_customer_id IS NULL)),
  CHECK ((crm_provider IS NULL) = (crm_account_id IS NULL))
);
SELECT tenant_owned('shield_billing_terms');

-- Each outcome recorded, by its id, and the seq of the audit record that holds it (no foreign key:
-- one would make TRUNCATE of the append-only trail fail before its trigger refuses it).
CREATE TABLE shield_outcomes (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  outcome_id text NOT NULL CHECK (outcome_id <> ''),
  seq bigint NOT NULL CHECK (seq > 0),
  PRIMARY KEY (tenant_id, outcome_id)
);
SELECT tenant_owned('shield_outcomes');

-- An invoice: one per client and period. `document` is the JSON invoice (figures, the audit seq
-- range and the chain hash it was computed from); the columns repeat what is listed and joined.
CREATE TABLE shield_invoices (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id text NOT NULL CHECK (id ~ '^soi_[0-9a-f]{24}$'),
  client_id text NOT NULL,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL CHECK (period_end > period_start),
  currency text NOT NULL,
  earnings_cents bigint NOT NULL CHECK (earnings_cents >= 0),
  document jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, client_id, period_start, period_end)
);
SELECT tenant_owned('shield_invoices');

-- The run of one invoice through payment and CRM: the step it reached and each step's external
-- id. `invoiced` → `paid` (payment_id null when nothing was due) → `synced`.
CREATE TABLE shield_billing_runs (
  tenant_id text NOT NULL,
  invoice_id text NOT NULL,
  step text NOT NULL CHECK (step IN ('invoiced', 'paid', 'synced')),
  payment_provider text,
  payment_id text,
  crm_provider text,
  crm_id text,
  attempts integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
  last_error text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, invoice_id),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES shield_invoices (tenant_id, id) ON DELETE CASCADE
);
SELECT tenant_owned('shield_billing_runs');

-- Outcomes and invoices are written once: the app role may not rewrite or delete them.
REVOKE UPDATE, DELETE ON shield_outcomes FROM kamiyo_app;
REVOKE UPDATE, DELETE ON shield_invoices FROM kamiyo_app;
