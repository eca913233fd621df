-- The indexes an RCA query's neighbourhood walk needs (store/neighbourhood.ts): relations by their
-- `to` end whatever their tombstone (a past window reads edges deleted since; it replaces the
-- live-only index), the call graph alone, and resources by the service they belong to.
DROP INDEX rca_relations_to;
CREATE INDEX rca_relations_to ON rca_relations (tenant_id, to_id);
CREATE INDEX rca_relations_calls ON rca_relations (tenant_id, from_id, to_id) WHERE type = 'CALLS';
-- (service and name apart: row-level security keeps an expression like coalesce() out of index
-- conditions.)
CREATE INDEX rca_resources_by_service ON rca_resources (tenant_id, service);
CREATE INDEX rca_resources_unowned ON rca_resources (tenant_id, name) WHERE service IS NULL;
