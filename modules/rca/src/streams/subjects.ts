/**
 * The five streams of a tenant's ingest (issue 15 §2), as NATS subjects under the tenant's id:
 * what the state watcher, the event exporter, the log sink and alert sources publish.
 */
export const STREAM_KINDS = [
  "state.k8s.resource",
  "state.k8s.topology",
  "events.normalized",
  "logs.normalized",
  "alerts.raw",
] as const;

export type StreamKind = (typeof STREAM_KINDS)[number];

/** A tenant id usable as a subject token: letters, digits, `_` and `-` only. */
const TENANT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The tenant id, checked to be one subject token.
 * @throws Error when it cannot be (a dot or wildcard in it would reach another tenant's subjects).
 */
export function tenantToken(tenantId: string): string {
  if (!TENANT_TOKEN.test(tenantId))
    throw new Error(`tenant id ${JSON.stringify(tenantId)} cannot be a NATS subject token`);
  return tenantId;
}

/** `<tenant>.<kind>`. @throws Error as {@link tenantToken}. */
export function subjectOf(tenantId: string, kind: StreamKind): string {
  return `${tenantToken(tenantId)}.${kind}`;
}

/** Every subject of the tenant's streams: `<tenant>.>` (what its credentials may publish to). */
export function tenantSubjects(tenantId: string): string {
  return `${tenantToken(tenantId)}.>`;
}

/** The tenant and kind of a subject of {@link subjectOf}; null for anything else. */
export function parseSubject(subject: string): { tenantId: string; kind: StreamKind } | null {
  const dot = subject.indexOf(".");
  if (dot <= 0) return null;
  const kind = subject.slice(dot + 1) as StreamKind;
  return STREAM_KINDS.includes(kind) ? { tenantId: subject.slice(0, dot), kind } : null;
}
