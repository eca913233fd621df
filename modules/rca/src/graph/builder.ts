import type { ResourceRow, StatusSummary } from "./describe.ts";
import { type Described, describe, MalformedObject } from "./describe.ts";
import { isKubeKind } from "./kinds.ts";
import { type EventRow, kubeEvent, stateEvents } from "./state-events.ts";

/** Watch event types (`watch.Watch`'s `phase`). */
export const WATCH_TYPES = ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"] as const;
export type WatchType = (typeof WATCH_TYPES)[number];

/** One object the builder refused, and why (the batch goes on without it). */
export interface BatchIssue {
  /** Position in the batch. */
  readonly index: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly reason: string;
}

/** One readable watch event. */
export type ParsedWatch =
  | { readonly type: "ADDED" | "MODIFIED" | "DELETED"; readonly described: Described }
  | { readonly type: "EVENT"; readonly event: EventRow }
  | { readonly type: "BOOKMARK" };

/** What the store holds of a resource, as much as the builder compares. */
export interface StoredResource {
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly status: StatusSummary;
  readonly deleted: boolean;
}

/** A write the store makes, in order. */
export type GraphOp =
  | { readonly op: "upsert"; readonly described: Described }
  | { readonly op: "delete"; readonly resource: ResourceRow };

/** Counts of one batch. */
export interface BatchCounts {
  /** Objects written (added, changed, re-created). */
  applied: number;
  /** Objects seen again unchanged (same resourceVersion), stale, or a delete already applied. */
  unchanged: number;
  deleted: number;
  bookmarks: number;
  /** Kubernetes Event objects read. */
  kubeEvents: number;
  malformed: number;
}

export interface BatchPlan {
  readonly ops: readonly GraphOp[];
  readonly events: readonly EventRow[];
  readonly issues: readonly BatchIssue[];
  readonly counts: BatchCounts;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads watch events (`{type, object}` as the API server sends them) one by one: a bad one
 * (no object, an unknown type or kind, missing metadata, a field of the wrong type) becomes a
 * {@link BatchIssue}, never an exception for the batch. `at` (ISO) dates Events without a time.
 */
export function parseWatchEvents(
  batch: readonly unknown[],
  at: string,
): { parsed: ParsedWatch[]; issues: BatchIssue[] } {
  const parsed: ParsedWatch[] = [];
  const issues: BatchIssue[] = [];
  batch.forEach((raw, index) => {
    const one = parseOne(raw, at);
    if (one === undefined) return;
    if ("reason" in one) {
      const obj = isRecord(raw) ? raw.object : undefined;
      const meta = isRecord(obj) && isRecord(obj.metadata) ? obj.metadata : {};
      issues.push({
        index,
        ...(isRecord(obj) && typeof obj.kind === "string" ? { kind: obj.kind } : {}),
        ...(typeof meta.namespace === "string" ? { namespace: meta.namespace } : {}),
        ...(typeof meta.name === "string" ? { name: meta.name } : {}),
        reason: one.reason,
      });
    } else parsed.push(one);
  });
  return { parsed, issues };
}

/** One watch event read, refused (`{reason}`), or nothing to do (a deleted Event). */
function parseOne(raw: unknown, at: string): ParsedWatch | { reason: string } | undefined {
  if (!isRecord(raw)) return { reason: "not an object" };
  const { type, object: obj } = raw;
  if (typeof type !== "string" || !(WATCH_TYPES as readonly string[]).includes(type))
    return { reason: `unknown watch event type ${JSON.stringify(type)}` };
  if (type === "BOOKMARK") return { type: "BOOKMARK" };
  if (!isRecord(obj)) return { reason: "no object" };
  try {
    if (obj.kind === "Event")
      return type === "DELETED" ? undefined : { type: "EVENT", event: kubeEvent(obj, at) };
    if (!isKubeKind(obj.kind)) return { reason: `unknown kind ${JSON.stringify(obj.kind)}` };
    return {
      type: type as "ADDED" | "MODIFIED" | "DELETED",
      described: describe(obj.kind, obj),
    };
  } catch (e) {
    // A TypeError here is a nested field of the wrong type the narrowing did not foresee.
    if (e instanceof MalformedObject || e instanceof TypeError) return { reason: e.message };
    throw e;
  }
}

/** The resource ids a parsed batch touches (to load what the store holds of them). */
export function touchedIds(parsed: readonly ParsedWatch[]): string[] {
  return [...new Set(parsed.flatMap((p) => ("described" in p ? [p.described.resource.id] : [])))];
}

const numeric = (v: string | undefined) =>
  v !== undefined && /^\d+$/.test(v) ? BigInt(v) : undefined;

/**
 * The writes a parsed batch makes against what the store holds (`stored`, by id), in order:
 * an object already stored with the same resourceVersion, an older numeric one, or the uid of a
 * tombstone is skipped (so replaying a watch changes nothing); a delete tombstones. State changes
 * are compared with the previous summary (the stored one, then the batch's own earlier version).
 */
export function planBatch(
  parsed: readonly ParsedWatch[],
  stored: ReadonlyMap<string, StoredResource>,
  issues: readonly BatchIssue[],
  at: string,
): BatchPlan {
  const state = new Map(stored);
  const ops: GraphOp[] = [];
  const events: EventRow[] = [];
  const counts: BatchCounts = {
    applied: 0,
    unchanged: 0,
    deleted: 0,
    bookmarks: 0,
    kubeEvents: 0,
    malformed: issues.length,
  };
  for (const p of parsed) {
    if (p.type === "BOOKMARK") {
      counts.bookmarks++;
      continue;
    }
    if (p.type === "EVENT") {
      counts.kubeEvents++;
      events.push(p.event);
      continue;
    }
    const r = p.described.resource;
    const prev = state.get(r.id);
    const sameObject =
      prev !== undefined && (prev.uid === undefined || r.uid === undefined || prev.uid === r.uid);
    if (p.type === "DELETED") {
      if (prev?.deleted && sameObject) {
        counts.unchanged++;
        continue;
      }
      ops.push({ op: "delete", resource: r });
      state.set(r.id, { ...toStored(r), deleted: true });
      counts.deleted++;
      continue;
    }
    if (prev && sameObject) {
      const [was, now] = [numeric(prev.resourceVersion), numeric(r.resourceVersion)];
      const same = prev.resourceVersion !== undefined && prev.resourceVersion === r.resourceVersion;
      const stale = was !== undefined && now !== undefined && now < was;
      if (prev.deleted || same || stale) {
        counts.unchanged++;
        continue;
      }
    }
    events.push(
      ...stateEvents(prev && sameObject && !prev.deleted ? prev.status : undefined, r, at),
    );
    ops.push({ op: "upsert", described: p.described });
    state.set(r.id, toStored(r));
    counts.applied++;
  }
  return { ops, events, issues, counts };
}

function toStored(r: ResourceRow): StoredResource {
  return {
    ...(r.uid !== undefined ? { uid: r.uid } : {}),
    ...(r.resourceVersion !== undefined ? { resourceVersion: r.resourceVersion } : {}),
    status: r.status,
    deleted: false,
  };
}
