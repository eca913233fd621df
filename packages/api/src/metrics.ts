import {
  type ChannelHealth,
  channelHealth,
  type OutboxBacklog,
  outboxBacklog,
} from "@kamiyo/alerts";
import { describeError } from "@kamiyo/core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ApiDeps } from "./deps.ts";

/** What the metrics read: the API's deps, or a worker's (`serve --role` without the API). */
export type MetricsDeps = Pick<ApiDeps, "monitor" | "db" | "clock" | "log" | "deliveryStats">;

/**
 * The Prometheus registry of one process: HTTP traffic, the pipeline (observations, queue, data
 * lag and counters by source), findings, the database pool, the live streams, the alert outbox
 * and its delivery worker, and the process. Pipeline figures are read from the monitor at scrape
 * time; the outbox's from the database (it is shared by every process).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<"method" | "route" | "status">;
  readonly httpDuration: Histogram<"method" | "route">;
  readonly findings: Counter<"detector" | "kind" | "severity" | "change">;
  /** Per method, route and status: the children of the two HTTP metrics (labels hashed once). */
  readonly #requestSeries = new Map<string, { count: () => void; time: (s: number) => void }>();

  constructor(
    deps: MetricsDeps,
    live: {
      streamClients: () => number;
      cacheLookups: () => Record<string, { hit: number; miss: number }>;
    },
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "kamiyo_" });
    this.httpRequests = new Counter({
      name: "kamiyo_http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "kamiyo_http_request_duration_seconds",
      help: "HTTP request latency by method and route",
      labelNames: ["method", "route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.findings = new Counter({
      name: "kamiyo_findings_total",
      help: "Finding changes by detector, kind (drawdown, cascade, ...), severity and change (opened, escalated, updated, resolved)",
      labelNames: ["detector", "kind", "severity", "change"],
      registers,
    });
    const monitor = deps.monitor;
    new Gauge({
      name: "kamiyo_stream_clients",
      help: "Connected live-stream clients (SSE and WebSocket)",
      registers,
      collect() {
        this.set(live.streamClients());
      },
    });
    new Counter({
      name: "kamiyo_http_response_cache_total",
      help: "Lookups in the response caches (events: finding lists; exploits: incident lists), by result",
      labelNames: ["cache", "result"],
      registers,
      collect() {
        this.reset();
        for (const [cache, c] of Object.entries(live.cacheLookups())) {
          this.inc({ cache, result: "hit" }, c.hit);
          this.inc({ cache, result: "miss" }, c.miss);
        }
      },
    });
    new Gauge({
      name: "kamiyo_db_pool_connections",
      help: "Database pool connections by state (absent for the embedded database)",
      labelNames: ["state"],
      registers,
      collect() {
        const s = deps.db.poolStats();
        if (!s) return;
        this.set({ state: "total" }, s.total);
        this.set({ state: "idle" }, s.idle);
        this.set({ state: "waiting" }, s.waiting);
      },
    });
    this.#deliveries(deps, registers);
    if (!monitor) return;
    new Counter({
      name: "kamiyo_pipeline_observations_total",
      help: "Observations routed to detectors, by type",
      labelNames: ["type"],
      registers,
      collect() {
        this.reset();
        for (const [type, n] of Object.entries(monitor.health().stats.observations))
          this.inc({ type }, n);
      },
    });
    new Gauge({
      name: "kamiyo_pipeline_queue_size",
      help: "Observations waiting between sources and detectors",
      registers,
      collect() {
        this.set(monitor.health().stats.queue.size);
      },
    });
    new Gauge({
      name: "kamiyo_pipeline_queue_capacity",
      help: "Observations the queue between sources and detectors holds before it drops",
      registers,
      collect() {
        this.set(monitor.health().stats.queue.capacity);
      },
    });
    new Counter({
      name: "kamiyo_pipeline_store_failures_total",
      help: "The pipeline's store: failed writes of findings and history (retried), and rows dropped once its buffer was full",
      labelNames: ["what"],
      registers,
      collect() {
        this.reset();
        const store = monitor.health().stats.store;
        if (!store) return;
        this.inc({ what: "flush" }, store.flushFailures);
        this.inc({ what: "dropped_row" }, store.droppedRows);
      },
    });
    new Counter({
      name: "kamiyo_pipeline_dropped_total",
      help: "Observations dropped because the queue was full",
      registers,
      collect() {
        this.reset();
        this.inc(monitor.health().stats.queue.dropped);
      },
    });
    new Counter({
      name: "kamiyo_detector_errors_total",
      help: "Observations a detector failed on (the pipeline goes on)",
      registers,
      collect() {
        this.reset();
        this.inc(monitor.health().stats.detectorErrors);
      },
    });
    new Gauge({
      name: "kamiyo_source_up",
      help: "1 when a source is up, 0.5 degraded, 0 down or starting",
      labelNames: ["source"],
      registers,
      collect() {
        for (const [source, h] of Object.entries(monitor.health().sources)) {
          this.set({ source }, h.status === "up" ? 1 : h.status === "degraded" ? 0.5 : 0);
        }
      },
    });
    new Gauge({
      name: "kamiyo_source_data_lag_seconds",
      help: "Seconds since a source last produced data",
      labelNames: ["source"],
      registers,
      collect() {
        const now = deps.clock.now();
        for (const [source, h] of Object.entries(monitor.health().sources)) {
          if (h.lastDataAt !== null) this.set({ source }, (now - h.lastDataAt) / 1000);
        }
      },
    });
    new Gauge({
      name: "kamiyo_derived_detector",
      help: "Counters of the derived detectors: ml (buckets scored, anomalous, late rows, last score, model version), correlation (events accepted, ignored, stale, correlations opened, resolved, open)",
      labelNames: ["detector", "counter"],
      registers,
      collect() {
        this.reset();
        if (!monitor) return;
        for (const [detector, stats] of Object.entries(monitor.health().derived))
          for (const [counter, n] of Object.entries(stats)) this.set({ detector, counter }, n);
      },
    });
    new Counter({
      name: "kamiyo_source_events_total",
      help: "Per-source counters: requests, failures, reconnects, malformed and dropped messages, ...",
      labelNames: ["source", "counter"],
      registers,
      collect() {
        this.reset();
        for (const [source, h] of Object.entries(monitor.health().sources)) {
          for (const [counter, n] of Object.entries(h.counters)) this.inc({ source, counter }, n);
        }
      },
    });
  }

  /**
   * The alert outbox across tenants (read from the database at each scrape: every process sees
   * the same figures) and this process's delivery worker, if it runs one.
   */
  #deliveries(deps: MetricsDeps, registers: Registry[]): void {
    // prom-client collects every metric of a scrape at once: the three outbox gauges share one
    // read of the database, started by whichever collects first.
    let reading: Promise<OutboxFigures | null> | null = null;
    const figures = () => {
      reading ??= readOutbox(deps).finally(() => {
        reading = null;
      });
      return reading;
    };
    new Gauge({
      name: "kamiyo_delivery_outbox_pending",
      help: "Deliveries waiting to be sent to enabled channels (first try or retry), by channel kind",
      labelNames: ["channel"],
      registers,
      async collect() {
        this.reset();
        for (const b of (await figures())?.backlog ?? [])
          this.set({ channel: b.channel }, b.pending);
      },
    });
    new Gauge({
      name: "kamiyo_delivery_outbox_overdue_seconds",
      help: "How long the longest-due pending delivery has been due, by channel kind (0: none due)",
      labelNames: ["channel"],
      registers,
      async collect() {
        this.reset();
        for (const b of (await figures())?.backlog ?? [])
          this.set({ channel: b.channel }, b.overdueS);
      },
    });
    new Gauge({
      name: "kamiyo_database_up",
      help: "1 when the database answered this scrape's read of the outbox, 0 when it failed",
      registers,
      async collect() {
        this.set((await figures()) === null ? 0 : 1);
      },
    });
    new Gauge({
      name: "kamiyo_alert_channels",
      help: "Alert channels by kind and health (healthy, failing: in a run of failed attempts, disabled)",
      labelNames: ["channel", "state"],
      registers,
      async collect() {
        this.reset();
        for (const h of (await figures())?.health ?? [])
          for (const state of ["healthy", "failing", "disabled"] as const)
            this.set({ channel: h.channel, state }, h[state]);
      },
    });
    const stats = deps.deliveryStats;
    new Counter({
      name: "kamiyo_delivery_attempts_total",
      help: "Delivery attempts this process's worker made, by result (delivered, failed: to be retried, exhausted: retries used up)",
      labelNames: ["result"],
      registers,
      collect() {
        this.reset();
        const s = stats?.();
        if (!s) return;
        this.inc({ result: "delivered" }, s.delivered);
        this.inc({ result: "failed" }, s.failed);
        this.inc({ result: "exhausted" }, s.exhausted);
      },
    });
    new Counter({
      name: "kamiyo_delivery_worker_errors_total",
      help: "Delivery rounds that failed as a whole (the database refused the claim or the record)",
      registers,
      collect() {
        this.reset();
        const s = stats?.();
        if (s) this.inc(s.errors);
      },
    });
  }

  /** Counts one answered request and its duration in seconds. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.#requestSeries.get(key);
    if (!series) {
      const counter = this.httpRequests.labels(method, route, String(status));
      const histogram = this.httpDuration.labels(method, route);
      series = { count: () => counter.inc(), time: (s) => histogram.observe(s) };
      this.#requestSeries.set(key, series);
    }
    series.count();
    series.time(seconds);
  }

  /**
   * A counter a product module adds to `/metrics` (named by the module), with its labels; the
   * module counts through `inc` without depending on the metrics library.
   */
  counter<L extends string>(
    spec: ModuleCounter<L>,
  ): { inc(labels: Record<L, string>, value?: number): void } {
    const c = new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames],
      registers: [this.registry],
    });
    return { inc: (labels, value = 1) => c.inc(labels, value) };
  }

  /**
   * A gauge a product module adds to `/metrics`, read at each scrape: `read()` gives every series
   * as it stands (a series not given is absent until given again).
   */
  gauge<L extends string>(spec: ModuleGauge<L>): void {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of spec.read()) this.set(labels, value);
      },
    });
  }
}

interface OutboxFigures {
  backlog: OutboxBacklog[];
  health: ChannelHealth[];
}

/** The outbox's figures now; null (the series stay absent) when the database fails to answer. */
async function readOutbox(deps: MetricsDeps): Promise<OutboxFigures | null> {
  try {
    const [backlog, health] = await Promise.all([
      outboxBacklog(deps.db, deps.clock.now()),
      channelHealth(deps.db),
    ]);
    return { backlog, health };
  } catch (err) {
    deps.log.warn({ err: describeError(err) }, "reading the outbox for /metrics failed");
    return null;
  }
}

/**
 * A module's counter: `kamiyo_<module>_<what>_total`, or a name its product's dashboards already
 * use (Shield's `syncvalue_…`, `syncflow_…`); its help and label names.
 */
export interface ModuleCounter<L extends string> {
  name: `${string}_total`;
  help: string;
  labelNames: readonly L[];
}

/** A module's gauge, named as its counters are, and how to read its series at a scrape. */
export interface ModuleGauge<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  read(): Iterable<readonly [Record<L, string>, number]>;
}
