/** The replayable incidents shipped in `fixtures/incidents/` (README there), by id. */
export const INCIDENT_IDS = [
  "oom-killed",
  "bad-configmap-rollout",
  "image-pull-backoff",
  "node-not-ready",
  "dependency-outage",
] as const;
export type IncidentId = (typeof INCIDENT_IDS)[number];

/** Where an incident's file is. */
export const incidentFile = (id: IncidentId): URL =>
  new URL(`../../fixtures/incidents/${id}.ndjson.gz`, import.meta.url);
