import type { Logger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import type { IngestedEvent } from "../ingest/events.ts";
import { recordEvents } from "../store/record-events.ts";
import { applyWatchBatch } from "../store/write-graph.ts";
import type { Delivered, IngestBus } from "../streams/ingest-bus.ts";
import { toEventRow } from "./to-event-row.ts";

/** What the builder has done since it started. */
export interface BuilderStats {
  /** Watch events applied to a tenant's graph (objects changed, or unchanged on a replay). */
  objects: number;
  /** Objects the builder could not use (reported per object by the graph builder). */
  malformed: number;
  /** Events recorded on resources (repeats of a recorded key not counted). */
  events: number;
  /** Messages of a kind the builder does not read yet, or whose body is not an event. */
  ignored: number;
}

const EVENT_KINDS = new Set(["k8s_event", "log_error_burst", "metric_anomaly", "metric_recovery"]);

/**
 * The graph builder: consumes every tenant's ingest streams and writes each message into that
 * tenant's graph, as the tenant (`tenantDb`: row-level security applies): cluster state to
 * resources and relations, normalized events and log bursts to events on their resources. A
 * database failure throws, so the bus delivers the message again; what the store already has is
 * not written twice (versions and event keys).
 */
export function startGraphBuilder(
  bus: IngestBus,
  db: Db,
  opts: { log: Logger; now?: () => Date },
): { stats(): BuilderStats; stop(): Promise<void> } {
  const now = opts.now ?? (() => new Date());
  const stats: BuilderStats = { objects: 0, malformed: 0, events: 0, ignored: 0 };
  const handle = async (m: Delivered) => {
    const tdb = tenantDb(db, m.tenantId);
    if (m.kind === "state.k8s.resource") {
      const result = await applyWatchBatch(tdb, [m.body], now());
      stats.objects += result.counts.applied + result.counts.unchanged;
      stats.malformed += result.counts.malformed;
      if (result.issues.length > 0)
        opts.log.warn({ tenant: m.tenantId, id: m.id, issues: result.issues }, "objects refused");
      return;
    }
    if (m.kind === "events.normalized" || m.kind === "logs.normalized") {
      const e = m.body as IngestedEvent;
      if (!e || typeof e !== "object" || !EVENT_KINDS.has((e as { kind?: string }).kind ?? "")) {
        stats.ignored += 1;
        return;
      }
      stats.events += await recordEvents(tdb, [toEventRow(e)], now());
      return;
    }
    stats.ignored += 1;
  };
  const stop = bus.consume(handle);
  return { stats: () => ({ ...stats }), stop };
}
