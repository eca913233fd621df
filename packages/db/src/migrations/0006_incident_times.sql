-- When an exploit happened, when a source records it (the DeFi-Hack-Chronicle's attack start, the
-- monitor's own loss findings); null for incidents known to the day only. Incidents stored before
-- get their time when their reports are imported again.
ALTER TABLE intel_incidents ADD COLUMN occurred_at timestamptz;

-- The monitor's incident feed reads the incidents with a time changed since its last look.
CREATE INDEX intel_incidents_timed ON intel_incidents (updated_at, id) WHERE occurred_at IS NOT NULL;
