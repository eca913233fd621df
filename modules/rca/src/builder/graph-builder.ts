import type { Logger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import type { EventRow } from "../graph/state-events.ts";
import { insertEvents } from "../store/record-events.ts";
import { type CallEdgeInput, writeCallEdges, writeWatchBatch } from "../store/write-graph.ts";
import type { BatchOptions, Delivered, IngestBus } from "../streams/ingest-bus.ts";
import { eventRowOf } from "./to-event-row.ts";

/** What the builder has done since it started. */
export interface BuilderStats {
  /** Watch events applied to a tenant's graph (objects changed, deleted, or unchanged on a replay). */
  objects: number;
  /** Objects and events the builder could not use (reported per object by the graph builder). */
  malformed: number;
  /** Events recorded on resources (repeats of a recorded key not counted). */
  events: number;
  /** Messages of a kind the builder does not read yet. */
  ignored: number;
  /** Batches written (one transaction each). */
  batches: number;
}

const EVENT_STREAMS = new Set(["events.normalized", "logs.normalized"]);

/**
 * The graph builder: consumes every tenant's ingest streams in batches (`options.batch`, default
 * the bus's) and writes each batch into that tenant's graph in one transaction, as the tenant
 * (`tenantDb`: row-level security applies): cluster state to resources and relations, normalized
 * events and log bursts to events on their resources. A database failure throws, so the bus
 * delivers the batch again; what the store already has is not written twice (versions and event
 * keys). Messages it cannot use are counted and logged, never thrown.
 */
export function startGraphBuilder(
  bus: IngestBus,
  db: Db,
  opts: { log: Logger; now?: () => Date; batch?: BatchOptions },
): { stats(): BuilderStats; stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const stats: BuilderStats = { objects: 0, malformed: 0, events: 0, ignored: 0, batches: 0 };

  const write = async (tenantId: string, messages: readonly Delivered[]) => {
    const watch = messages.filter((m) => m.kind === "state.k8s.resource");
    const events: EventRow[] = [];
    const unusable: string[] = [];
    // Each topology message is a feed's whole call graph: the batch's last one per feed counts.
    const topology = new Map<string, readonly CallEdgeInput[]>();
    let ignored = 0;
    for (const m of messages) {
      if (m.kind === "state.k8s.resource") continue;
      if (m.kind === "state.k8s.topology") {
        const t = topologyOf(m.body);
        if (t) topology.set(t.feed, t.edges);
        else unusable.push(m.id);
        continue;
      }
      if (!EVENT_STREAMS.has(m.kind)) ignored += 1;
      else {
        const row = eventRowOf(m.body);
        if (row) events.push(row);
        else unusable.push(m.id);
      }
    }
    const at = now();
    const done = await tenantDb(db, tenantId).transaction(async (tx) => ({
      graph:
        watch.length > 0
          ? await writeWatchBatch(
              tx,
              watch.map((m) => m.body),
              at,
            )
          : null,
      recorded: await insertEvents(tx, events, at.toISOString()),
      calls: await (async () => {
        for (const [feed, edges] of topology) await writeCallEdges(tx, feed, edges, at);
        return topology.size;
      })(),
    }));
    const counts = done.graph?.counts;
    stats.objects += (counts?.applied ?? 0) + (counts?.unchanged ?? 0) + (counts?.deleted ?? 0);
    stats.malformed += (counts?.malformed ?? 0) + unusable.length;
    stats.events += done.recorded;
    stats.ignored += ignored;
    stats.batches += 1;
    const issues = (done.graph?.issues ?? []).map((i) => ({ ...i, message: watch[i.index]?.id }));
    if (issues.length > 0) opts.log.warn({ tenant: tenantId, issues }, "objects refused");
    if (unusable.length > 0)
      opts.log.warn({ tenant: tenantId, messages: unusable }, "events refused");
  };

  const stop = bus.consume(async (batch) => {
    // A bus hands over one tenant's messages at a time; grouping again costs nothing and keeps a
    // tenant's messages out of another's graph whatever the bus does.
    const byTenant = new Map<string, Delivered[]>();
    for (const m of batch) {
      const group = byTenant.get(m.tenantId) ?? [];
      group.push(m);
      byTenant.set(m.tenantId, group);
    }
    for (const [tenantId, messages] of byTenant) await write(tenantId, messages);
  }, opts.batch);
  return { stats: () => ({ ...stats }), stop };
}

/** A `state.k8s.topology` message: a feed's call graph `{feed, edges}`; null when it is not one. */
function topologyOf(body: unknown): { feed: string; edges: CallEdgeInput[] } | null {
  const b = body as { feed?: unknown; edges?: unknown } | null;
  if (!b || typeof b.feed !== "string" || !/^[a-z0-9_-]{1,32}$/.test(b.feed)) return null;
  if (!Array.isArray(b.edges)) return null;
  const ok = (e: Record<string, unknown>) =>
    typeof e.namespace === "string" &&
    typeof e.source === "string" &&
    typeof e.target === "string" &&
    (e.weight === undefined || typeof e.weight === "number");
  return b.edges.every((e) => e && typeof e === "object" && ok(e))
    ? { feed: b.feed, edges: b.edges as CallEdgeInput[] }
    : null;
}
