import type { Logger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import type { EventRow } from "../graph/state-events.ts";
import { insertEvents } from "../store/record-events.ts";
import { writeWatchBatch } from "../store/write-graph.ts";
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
    let ignored = 0;
    for (const m of messages) {
      if (m.kind === "state.k8s.resource") continue;
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
