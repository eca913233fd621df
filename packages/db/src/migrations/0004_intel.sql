-- Exploit intelligence: public incident data, shared by every tenant (not tenant-owned).

-- Each source's report of an incident, as last read (its normalised SourceRecord), and the
-- incident it was merged into.
CREATE TABLE intel_reports (
  source text NOT NULL,
  source_key text NOT NULL,
  record jsonb NOT NULL,
  incident_id text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (source, source_key)
);

-- Incidents merged from reports (see modules/intel/src/dedup/merge.ts for which value wins).
CREATE TABLE intel_incidents (
  id text PRIMARY KEY,
  protocol text NOT NULL,
  protocol_key text NOT NULL,
  aliases text[] NOT NULL,
  date date NOT NULL,
  chains text[] NOT NULL,
  classification text,
  technique text,
  loss_usd double precision,
  original_amount double precision,
  original_unit text,
  loss_unconverted boolean NOT NULL,
  returned_usd double precision,
  tx_hashes text[] NOT NULL,
  refs jsonb NOT NULL,
  sources text[] NOT NULL,
  first_seen_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX intel_incidents_by_date ON intel_incidents (date DESC, id DESC);
CREATE INDEX intel_incidents_by_loss ON intel_incidents (loss_usd DESC NULLS LAST, id DESC);
CREATE INDEX intel_incidents_by_tx ON intel_incidents USING gin (tx_hashes);
CREATE INDEX intel_incidents_by_chain ON intel_incidents USING gin (chains);

-- An operator's merge or split of two reports (`source:sourceKey`); applied on every sync.
CREATE TABLE intel_overrides (
  kind text NOT NULL CHECK (kind IN ('merge', 'split')),
  a text NOT NULL,
  b text NOT NULL,
  comment text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (a, b)
);

-- Per source: conditional-request validators, and the counts behind health and rankings.
CREATE TABLE intel_sources (
  source text PRIMARY KEY,
  etag text,
  last_modified text,
  last_attempt_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  attempts integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0
);
