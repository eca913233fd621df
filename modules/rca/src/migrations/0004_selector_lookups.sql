-- Selector matching by label pair (store/selector-matches.ts), both ways, instead of reading every
-- Service or every pod of a namespace, which made a cluster's first sync quadratic in the size of
-- its namespaces. A Service is found by one pair of its selector (selector_key, graph/label-pairs.ts),
-- a pod by each of its labels (rca_pod_labels); both then checked against the whole selector.
-- Lookups are by plain columns: the planner, without statistics for a new tenant, would prefer the
-- tenant's btree prefix to a GIN index on labels, and an expression in an index condition is kept
-- out by row-level security.

ALTER TABLE rca_resources ADD COLUMN selector_key text;
-- (Any pair of the selector would do: it only has to be one the selected pods hold.)
UPDATE rca_resources SET selector_key =
  (SELECT key || '=' || value FROM jsonb_each_text(selector) ORDER BY key COLLATE "C" LIMIT 1)
  WHERE kind = 'service' AND selector IS NOT NULL;
DROP INDEX rca_resources_selecting;
CREATE INDEX rca_resources_selecting ON rca_resources (tenant_id, namespace, selector_key)
  WHERE kind = 'service' AND selector_key IS NOT NULL AND deleted_at IS NULL;

-- Live pods' labels, one row per pair, kept by the graph builder while the pod is live.
CREATE TABLE rca_pod_labels (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  namespace text NOT NULL,
  -- key=value
  label text NOT NULL,
  pod_id text NOT NULL,
  PRIMARY KEY (tenant_id, namespace, label, pod_id)
);
INSERT INTO rca_pod_labels (tenant_id, namespace, label, pod_id)
  SELECT r.tenant_id, r.namespace, l.key || '=' || l.value, r.id
  FROM rca_resources r CROSS JOIN LATERAL jsonb_each_text(r.labels) l
  WHERE r.kind = 'pod' AND r.deleted_at IS NULL AND r.namespace IS NOT NULL;
SELECT tenant_owned('rca_pod_labels');
