-- List pages are read far more often than findings are written: each finding keeps its API JSON
-- (the `Finding` schema of the API, field for field, times as ISO 8601 UTC with milliseconds), so
-- a page is its rows' text joined, with nothing built, decoded or re-encoded per read. The
-- function is the one definition of that JSON in SQL; the API's tests compare it with the API's
-- own serialisation. IMMUTABLE as a generated column requires: its output depends on its arguments
-- alone (the time format has no locale-dependent fields).
CREATE FUNCTION finding_api_json(
  id text, detector text, kind text, severity text, status text, subject_type text,
  subject text, instance_key text, title text, evidence jsonb, first_data_at timestamptz,
  data_at timestamptz, detected_at timestamptz, updated_at timestamptz, resolved_at timestamptz,
  occurrences integer
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN json_build_object('id', id, 'detector', detector, 'kind', kind, 'severity', severity,
  'status', status, 'subject', json_build_object('type', subject_type, 'id', subject),
  'key', instance_key, 'title', title, 'evidence', evidence,
  'firstDataAt', to_char(first_data_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'dataAt', to_char(data_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'detectedAt', to_char(detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'updatedAt', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'resolvedAt', to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'occurrences', occurrences)::text;

ALTER TABLE findings ADD COLUMN api_json text NOT NULL GENERATED ALWAYS AS (finding_api_json(id,
  detector, kind, severity, status, subject_type, subject, instance_key, title, evidence,
  first_data_at, data_at, detected_at, updated_at, resolved_at, occurrences)) STORED;

-- Pages are read newest first, (detected_at, id) descending, with keyset cursors and any mix of
-- filters. An index in that order per common filter lets each page stop after `limit` rows
-- whatever the filter, where scanning the time index and discarding non-matching rows costs as
-- much as the filter is rare (a detector on a coin it never fires for scans every finding).
DROP INDEX findings_by_subject;
CREATE INDEX findings_by_subject ON findings (tenant_id, subject, detected_at DESC, id DESC);
CREATE INDEX findings_by_detector ON findings (tenant_id, detector, detected_at DESC, id DESC);
CREATE INDEX findings_by_detector_subject ON findings (tenant_id, detector, subject, detected_at DESC, id DESC);
CREATE INDEX findings_by_severity ON findings (tenant_id, severity, detected_at DESC, id DESC);
DROP INDEX findings_open;
CREATE INDEX findings_open ON findings (tenant_id, detected_at DESC, id DESC) WHERE status = 'open';

-- Exploit incidents keep their API JSON the same way (the API's incident: the merged fields, each
-- report, then the distinct sources of its references in their order).
CREATE FUNCTION incident_api_json(
  id text, protocol text, aliases text[], date date, occurred_at timestamptz, chains text[],
  classification text, technique text, loss_usd double precision, original_amount double precision,
  original_unit text, loss_unconverted boolean, returned_usd double precision, tx_hashes text[],
  refs jsonb
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN json_build_object('id', id, 'protocol', protocol, 'aliases', aliases,
  'date', to_char(date, 'YYYY-MM-DD'),
  'occurredAt', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  'chains', chains, 'classification', classification, 'technique', technique, 'lossUsd', loss_usd,
  'original', CASE WHEN original_amount IS NOT NULL AND original_unit IS NOT NULL
    THEN json_build_object('amount', original_amount, 'unit', original_unit) END,
  'lossUnconverted', loss_unconverted, 'returnedUsd', returned_usd, 'txHashes', tx_hashes,
  'references', refs,
  'sources', (SELECT coalesce(json_agg(s.source ORDER BY s.at), '[]') FROM (
    SELECT r ->> 'source' AS source, min(n) AS at FROM jsonb_array_elements(refs) WITH ORDINALITY AS e (r, n)
    GROUP BY 1) AS s))::text;

ALTER TABLE intel_incidents ADD COLUMN api_json text NOT NULL GENERATED ALWAYS AS (incident_api_json(
  id, protocol, aliases, date, occurred_at, chains, classification, technique, loss_usd,
  original_amount, original_unit, loss_unconverted, returned_usd, tx_hashes, refs)) STORED;

-- The protocol key of a name (intel's `protocolKey`, step for step; a test compares the two):
-- lower-case letters and digits without parenthesised asides, generic words and a trailing
-- version tag removed unless nothing would be left. Each incident keeps its aliases' keys, so a
-- search by protocol is two index lookups instead of a regular expression over every alias.
CREATE FUNCTION protocol_key(name text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  key text := regexp_replace(lower(normalize(regexp_replace(name, '\([^)]*\)', '', 'g'), NFKD)),
    '[^a-z0-9]', '', 'g');
  word text;
  changed boolean := true;
BEGIN
  WHILE changed LOOP
    changed := false;
    IF key ~ 'v[1-9]$' AND length(key) > 2 THEN
      key := left(key, -2);
      changed := true;
    END IF;
    FOREACH word IN ARRAY ARRAY['finance', 'protocol', 'network', 'bridge', 'exchange', 'dao',
      'labs', 'capital', 'markets', 'money'] LOOP
      IF right(key, length(word)) = word AND length(key) > length(word) THEN
        key := left(key, -length(word));
        changed := true;
      END IF;
    END LOOP;
  END LOOP;
  RETURN key;
END
$$;

CREATE FUNCTION protocol_keys(names text[]) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT protocol_key(n) FROM unnest(names) AS n);

ALTER TABLE intel_incidents ADD COLUMN alias_keys text[] NOT NULL
  GENERATED ALWAYS AS (protocol_keys(aliases)) STORED;
CREATE INDEX intel_incidents_by_protocol_key ON intel_incidents (protocol_key);
CREATE INDEX intel_incidents_by_alias_key ON intel_incidents USING gin (alias_keys);

-- Category pages by date; the expression index also gives the planner statistics for
-- `lower(classification)`, without which it guesses a category matches almost nothing and sorts a
-- parallel scan of every incident rather than walking the date or loss index.
CREATE INDEX intel_incidents_by_class ON intel_incidents (lower(classification), date DESC, id DESC);
