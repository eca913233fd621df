import { withoutContents } from "../graph/content-digest.ts";
import type { BusMessage } from "../streams/ingest-bus.ts";
import type { IngestRejection } from "./events.ts";

const WATCH_TYPES = new Set(["ADDED", "MODIFIED", "DELETED"]);

interface K8sObject {
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
  [key: string]: unknown;
}

/**
 * The state route's work between the body and the ingest bus: each Kubernetes watch event
 * (`{type, object}`) checked and made a message for the tenant's `state.k8s.resource` stream, id
 * `<uid>:<resourceVersion>:<type>` (so a re-sent event is queued once), Secrets' and ConfigMaps'
 * contents left out; an item that is not a usable watch event is refused with why.
 */
export function watchMessages(items: readonly unknown[]): {
  messages: BusMessage[];
  refused: IngestRejection[];
} {
  const messages: BusMessage[] = [];
  const refused: IngestRejection[] = [];
  items.forEach((item, index) => {
    const problem = watchEventProblem(item);
    if (problem) {
      refused.push({ index, reason: problem });
      return;
    }
    const { type, object } = item as { type: string; object: K8sObject };
    const m = object.metadata;
    messages.push({
      id: `${m.uid ?? `${m.namespace ?? ""}/${m.name}`}:${m.resourceVersion ?? ""}:${type}`,
      // Secrets' and ConfigMaps' contents go no further than this (their digest does).
      body: { type, object: withoutContents(object) },
    });
  });
  return { messages, refused };
}

/** Why an item is not a watch event we can use, or null when it is one. */
function watchEventProblem(item: unknown): string | null {
  if (!item || typeof item !== "object") return "not an object";
  const { type, object } = item as { type?: unknown; object?: unknown };
  if (typeof type !== "string" || !WATCH_TYPES.has(type))
    return `type ${JSON.stringify(type)} is not ADDED, MODIFIED or DELETED`;
  if (!object || typeof object !== "object") return "no object";
  const o = object as { kind?: unknown; metadata?: { name?: unknown } };
  if (typeof o.kind !== "string" || o.kind === "") return "object.kind is missing";
  if (!o.metadata || typeof o.metadata.name !== "string" || o.metadata.name === "")
    return "object.metadata.name is missing";
  return null;
}
