-- Trained models (anomaly detectors and forecasters), one row per trained version.
CREATE TABLE ml_models (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  -- 'anomaly' (Isolation Forest or the ensemble) or 'forecast' (ARIMA or EWMA per series)
  purpose text NOT NULL CHECK (purpose IN ('anomaly', 'forecast')),
  algorithm text NOT NULL,
  version integer NOT NULL,
  features jsonb NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  metrics jsonb NOT NULL,
  -- the fitted model (its own toJSON state)
  state jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  active boolean NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, purpose, version)
);
CREATE UNIQUE INDEX ml_models_active ON ml_models (tenant_id, purpose) WHERE active;
