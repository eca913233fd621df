import { recordUsage } from "@kamiyo/billing";
import type { Logger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { type BuilderStats, startGraphBuilder } from "../builder/graph-builder.ts";
import { TraceCallGraph } from "../ingest/otlp-traces.ts";
import { StreamingAnomalyDetector } from "../ingest/streaming-anomaly.ts";
import { LogBurstAggregator } from "../ingest/vector-logs.ts";
import type { Baseline } from "../model.ts";
import type { RcaSettings } from "../settings.ts";
import { tenantStorageBytes, tenantsWithRcaData } from "../store/storage-usage.ts";
import type { IngestBus } from "../streams/ingest-bus.ts";
import { JetStreamBus } from "../streams/jetstream-bus.ts";
import { MemoryBus } from "../streams/memory-bus.ts";

/** How often the log aggregators close ended minutes, and the grace a late line gets. */
const FLUSH_EVERY_MS = 10_000;
const LOG_GRACE_MS = 60_000;
/** Tenants whose metric and log state one process keeps (each bounded on its own). */
const MAX_TENANTS = 1_000;
/** How often each tenant's stored RCA data is measured for billing (`storage_bytes`). */
const STORAGE_EVERY_MS = 3_600_000;

/**
 * What the RCA service runs in a process: the ingest bus (JetStream with RCA_NATS_URL, else an
 * in-process queue), the graph builder consuming it (RCA_BUILDER), and per tenant the state the
 * HTTP ingest keeps between requests (the streaming metric detector, the log-burst aggregator).
 */
export interface RcaRuntime {
  readonly bus: IngestBus;
  /** The tenant's streaming anomaly detector (its series' recent samples). */
  detector(tenantId: string): StreamingAnomalyDetector;
  /** The tenant's log-burst aggregator (its open pod-minutes). */
  logs(tenantId: string): LogBurstAggregator;
  /** The tenant's call graph from its traces (spans awaiting their parents, calls counted). */
  traces(tenantId: string): TraceCallGraph;
  builderStats(): BuilderStats | null;
  /** Closes the minutes that ended (all of them with `all`) and publishes their bursts. */
  flushLogs(all?: boolean): Promise<void>;
  /** Meters what each tenant's RCA data takes now (`storage_bytes`, one reading an hour). */
  meterStorage(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts the RCA runtime over `deps.db`. `deps.baselineFor` gives a tenant's streaming detector
 * the baseline learnt from a normal period for a series, when there is one (see
 * {@link StreamingAnomalyDetector}); without it the detector compares with the hour before.
 */
export async function startRcaRuntime(
  settings: RcaSettings,
  deps: {
    db: Db;
    log: Logger;
    now: () => number;
    baselineFor?: (
      tenantId: string,
      labels: Readonly<Record<string, string>>,
    ) => Baseline | undefined;
  },
): Promise<RcaRuntime> {
  const bus: IngestBus = settings.natsUrl
    ? await JetStreamBus.connectAs(settings.natsUrl, settings.natsCredsFile, async () =>
        (await deps.db.query<{ id: string }>("SELECT id FROM tenants ORDER BY id")).map(
          (r) => r.id,
        ),
      )
    : new MemoryBus({ now: deps.now });
  const builder = settings.builder
    ? startGraphBuilder(bus, deps.db, { log: deps.log, now: () => new Date(deps.now()) })
    : null;
  const baselineFor = deps.baselineFor;
  const tracers = new Bounded<TraceCallGraph>(() => new TraceCallGraph());
  const detectors = new Bounded<StreamingAnomalyDetector>(
    (tenantId) =>
      new StreamingAnomalyDetector(
        baselineFor ? { baselineFor: (labels) => baselineFor(tenantId, labels) } : {},
      ),
  );
  const publishBursts = async (tenantId: string, agg: LogBurstAggregator, upTo: number) => {
    const bursts = agg.flush(upTo);
    if (bursts.length > 0)
      try {
        await bus.publish(
          tenantId,
          "logs.normalized",
          bursts.map((b) => ({ id: b.dedupeKey, body: b })),
        );
      } catch (err) {
        deps.log.warn(
          { tenant: tenantId, bursts: bursts.length, error: String(err) },
          "log error bursts not queued",
        );
      }
  };
  // A tenant's aggregator pushed out by newer ones hands over its open minutes first.
  const aggregators = new Bounded<LogBurstAggregator>(
    () => new LogBurstAggregator(),
    (tenantId, agg) => void publishBursts(tenantId, agg, Number.POSITIVE_INFINITY),
  );
  const flushLogs = async (all = false) => {
    const upTo = all ? Number.POSITIVE_INFINITY : deps.now() - LOG_GRACE_MS;
    for (const [tenantId, agg] of [...aggregators.entries()])
      await publishBursts(tenantId, agg, upTo);
  };
  const timer = setInterval(() => void flushLogs(), FLUSH_EVERY_MS);
  timer.unref();
  const meterStorage = async () => {
    const now = deps.now();
    const hour = Math.floor(now / STORAGE_EVERY_MS);
    const tenants = await tenantsWithRcaData(deps.db);
    for (const tenantId of tenants) {
      const bytes = await tenantStorageBytes(tenantDb(deps.db, tenantId));
      await recordUsage(
        deps.db,
        [
          {
            tenantId,
            product: "rca",
            meter: "storage_bytes",
            value: bytes,
            eventAt: now,
            idempotencyKey: `storage:rca:${hour}`,
          },
        ],
        now,
      );
    }
    return tenants.length;
  };
  // Only where the builder runs: one process measures, not every replica.
  const storageTimer = settings.builder
    ? setInterval(
        () =>
          void meterStorage().catch((err) =>
            deps.log.warn({ error: String(err) }, "RCA storage not measured; next hour"),
          ),
        STORAGE_EVERY_MS,
      )
    : null;
  storageTimer?.unref();

  return {
    bus,
    detector: (t) => detectors.get(t),
    logs: (t) => aggregators.get(t),
    traces: (t) => tracers.get(t),
    builderStats: () => builder?.stats() ?? null,
    flushLogs,
    meterStorage,
    close: async () => {
      clearInterval(timer);
      if (storageTimer) clearInterval(storageTimer);
      await flushLogs(true);
      await builder?.stop();
      await bus.close();
    },
  };
}

/** Per-tenant state, at most {@link MAX_TENANTS} (the least recently used goes first). */
class Bounded<T> {
  readonly #items = new Map<string, T>();
  readonly #make: (tenantId: string) => T;
  readonly #evicted: (tenantId: string, item: T) => void;

  constructor(
    make: (tenantId: string) => T,
    evicted: (tenantId: string, item: T) => void = () => {},
  ) {
    this.#make = make;
    this.#evicted = evicted;
  }

  get(tenantId: string): T {
    let item = this.#items.get(tenantId);
    if (item) {
      this.#items.delete(tenantId);
    } else {
      item = this.#make(tenantId);
      if (this.#items.size >= MAX_TENANTS) {
        const [oldest] = this.#items.entries().next().value ?? [];
        if (oldest !== undefined) {
          this.#evicted(oldest, this.#items.get(oldest) as T);
          this.#items.delete(oldest);
        }
      }
    }
    this.#items.set(tenantId, item);
    return item;
  }

  entries(): IterableIterator<[string, T]> {
    return this.#items.entries();
  }
}
