import { z } from "zod";
import type { IngestRejection, K8sIngestedEvent } from "./events.ts";

const time = z.string().nullish();

const objectRef = z.object({
  kind: z.string().min(1),
  namespace: z.string().nullish(),
  name: z.string().min(1),
  uid: z.string().nullish(),
  fieldPath: z.string().nullish(),
});

/**
 * What we read of a Kubernetes Event: core/v1 `Event`, the same inlined in kubernetes-event-exporter's
 * `EnhancedEvent` (plus `clusterName`, and `labels`/`annotations` on `involvedObject`, not read
 * here), and events.k8s.io/v1 (`regarding`, `note`, `reportingController`, `deprecated*`). Unknown
 * fields are dropped.
 */
const eventSchema = z.object({
  metadata: z
    .object({
      uid: z.string().nullish(),
      name: z.string().nullish(),
      namespace: z.string().nullish(),
      creationTimestamp: time,
    })
    .nullish(),
  involvedObject: objectRef.nullish(),
  regarding: objectRef.nullish(),
  reason: z.string().nullish(),
  message: z.string().nullish(),
  note: z.string().nullish(),
  type: z.string().nullish(),
  count: z.number().int().nullish(),
  deprecatedCount: z.number().int().nullish(),
  firstTimestamp: time,
  deprecatedFirstTimestamp: time,
  lastTimestamp: time,
  deprecatedLastTimestamp: time,
  eventTime: time,
  series: z.object({ count: z.number().int().nullish(), lastObservedTime: time }).nullish(),
  source: z.object({ component: z.string().nullish(), host: z.string().nullish() }).nullish(),
  deprecatedSource: z
    .object({ component: z.string().nullish(), host: z.string().nullish() })
    .nullish(),
  reportingComponent: z.string().nullish(),
  reportingController: z.string().nullish(),
  reportingInstance: z.string().nullish(),
  clusterName: z.string().nullish(),
});

/**
 * The Event inside what an agent sent: the object itself, a watch event `{type, object}` (the API
 * server's watch, the OpenTelemetry k8sobjects receiver) or a log-pipeline entry `{body}` (stanza's
 * `k8s_event_input`).
 */
function unwrap(item: unknown): unknown {
  if (item === null || typeof item !== "object") return item;
  const o = item as Record<string, unknown>;
  if (o.involvedObject === undefined && o.regarding === undefined) {
    if (o.object && typeof o.object === "object") return o.object;
    if (o.body && typeof o.body === "object") return o.body;
  }
  return item;
}

/**
 * One Kubernetes Event as an {@link K8sIngestedEvent}: resource `<kind>/<namespace>/<name>` of the
 * involved object (kind lower-case, `<kind>/<name>` when it has no namespace), `occurredAt` the
 * latest occurrence (`lastTimestamp`, `series.lastObservedTime`, `eventTime`, `firstTimestamp`,
 * then `metadata.creationTimestamp`), severity from `type` (`Warning` → warning, anything else →
 * info), `count` (or `series.count`, at least 1), and a dedupe key of the Event's uid and count
 * (a re-sent occurrence has the same key, the next occurrence a new one; without a uid, its
 * namespace/name, reason and first timestamp). Throws an `Error` naming what is missing.
 */
export function normalizeK8sEvent(item: unknown): K8sIngestedEvent {
  const parsed = eventSchema.safeParse(unwrap(item));
  if (!parsed.success)
    throw new Error(
      `not a Kubernetes Event: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    );
  const e = parsed.data;
  const obj = e.involvedObject ?? e.regarding;
  if (!obj) throw new Error("not a Kubernetes Event: no involvedObject or regarding");
  const kind = obj.kind.toLowerCase();
  const namespace = obj.namespace || undefined;
  const resource = namespace ? `${kind}/${namespace}/${obj.name}` : `${kind}/${obj.name}`;

  const first = ms(e.firstTimestamp) ?? ms(e.deprecatedFirstTimestamp) ?? ms(e.eventTime);
  const occurredAt =
    ms(e.lastTimestamp) ??
    ms(e.deprecatedLastTimestamp) ??
    ms(e.series?.lastObservedTime) ??
    ms(e.eventTime) ??
    first ??
    ms(e.metadata?.creationTimestamp);
  if (occurredAt === undefined)
    throw new Error(`Event on ${resource} has no valid timestamp (lastTimestamp, eventTime, …)`);
  const count = Math.max(1, e.series?.count ?? e.count ?? e.deprecatedCount ?? 1);
  const type = e.type || "Normal";
  const reason = e.reason || "Unknown";
  const firstSeenAt = Math.min(first ?? occurredAt, occurredAt);
  const uid = e.metadata?.uid;
  const dedupeKey = uid
    ? `k8s:${uid}:${count}`
    : `k8s:${namespace ?? ""}/${e.metadata?.name ?? obj.name}:${reason}:${firstSeenAt}:${count}`;
  const source =
    e.source?.component ||
    e.deprecatedSource?.component ||
    e.reportingComponent ||
    e.reportingController ||
    "unknown";
  const host = e.source?.host || e.deprecatedSource?.host || e.reportingInstance || undefined;
  return {
    kind: "k8s_event",
    resource,
    occurredAt,
    firstSeenAt,
    severity: type === "Warning" ? "warning" : "info",
    type,
    reason,
    message: e.message ?? e.note ?? "",
    count,
    dedupeKey,
    source,
    ...(host ? { host } : {}),
    ...(e.clusterName ? { cluster: e.clusterName } : {}),
    ...(obj.fieldPath ? { fieldPath: obj.fieldPath } : {}),
  };
}

/** A batch of Events normalized; the ones that are not Events are rejected with why, never thrown. */
export interface NormalizedK8sEvents {
  readonly events: readonly K8sIngestedEvent[];
  readonly rejected: readonly IngestRejection[];
}

/**
 * Normalizes what an agent posted: one Event, a JSON array of them, a Kubernetes `EventList`
 * (`{items}`), or a watch event. Items that fail are listed in `rejected`; re-deliveries of the
 * same occurrence within the batch (same dedupe key) are kept once.
 */
export function normalizeK8sEvents(payload: unknown): NormalizedK8sEvents {
  const items = Array.isArray(payload)
    ? payload
    : payload &&
        typeof payload === "object" &&
        Array.isArray((payload as { items?: unknown }).items)
      ? (payload as { items: unknown[] }).items
      : [payload];
  const events = new Map<string, K8sIngestedEvent>();
  const rejected: IngestRejection[] = [];
  items.forEach((item, index) => {
    try {
      const event = normalizeK8sEvent(item);
      if (!events.has(event.dedupeKey)) events.set(event.dedupeKey, event);
    } catch (err) {
      rejected.push({ index, reason: (err as Error).message });
    }
  });
  return { events: [...events.values()], rejected };
}

function ms(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}
