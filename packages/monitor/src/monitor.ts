import {
  BoundedQueue,
  type Clock,
  type DetectorInstance,
  type DetectorOutput,
  describeError,
  type FindingChange,
  FindingTracker,
  type HttpClient,
  type IoTracker,
  type Logger,
  type Observation,
  type Random,
  type SourceContext,
  type SourceHealth,
  type SourceInstance,
  type TimerHandle,
} from "@kamiyo/core";
import { type Db, listOpenFindings } from "@kamiyo/db";
import type { DerivedDetector } from "./derived-detector.ts";
import { type AfterFindings, MonitorStore } from "./monitor-store.ts";
import type { AnyMonitorConfig, PipelinePlugins } from "./plugins.ts";

/** Capabilities the monitor runs on, wired by the app's composition root. */
export interface MonitorDeps {
  clock: Clock;
  random: Random;
  log: Logger;
  http: HttpClient;
  io: IoTracker;
  /** Where findings and time series are written; null keeps nothing (benchmarks). */
  db: Db | null;
  tenantId: string;
  /** The source and detector plug-ins to run (each enabled or not by `config`). */
  plugins: PipelinePlugins;
  /** Raw WebSocket frames, for recorders. */
  tapFrame?: (src: string, text: string) => void;
  /** Runs in the transaction that stores findings (alert routing: alerts commit with them). */
  afterFindings?: AfterFindings;
  /** Detectors of derived data (stored rows, finding changes): ML anomalies, correlations. */
  derived?: readonly DerivedDetector[];
  /** The part of the pipeline this process runs (default all of it): see {@link PipelinePart}. */
  part?: PipelinePart;
}

/**
 * A part of the pipeline, for processes that split it (`kamiyo serve --role ingest|detect`):
 * - `ingest`: the sources, each observation handed to `forward` once the sources' own watchers
 *   saw it; no detectors, no store.
 * - `detect`: no sources (observations come through `emit`); the detectors of shard `shard` of
 *   `shards` (the enabled detectors in order of kind, dealt out in turn), their findings and
 *   what they keep stored. Shard 0 also stores the observations' history and runs the derived
 *   detectors. Each shard restores only its own detectors' open findings.
 */
export type PipelinePart =
  | { kind: "ingest"; forward: (obs: Observation) => void }
  | { kind: "detect"; shard: number; shards: number };

/** Pipeline counters for health checks and metrics. */
export interface MonitorStats {
  observations: Record<string, number>;
  detectorErrors: number;
  /** Observations the store could not turn into rows (the pipeline goes on). */
  storeErrors: number;
  findingChanges: Record<FindingChange["change"], number>;
  queue: { size: number; capacity: number; dropped: number };
  store: { flushes: number; flushFailures: number; droppedRows: number } | null;
}

export interface MonitorHealth {
  sources: Record<string, SourceHealth>;
  /** Counters of each derived detector, by its kind. */
  derived: Record<string, Record<string, number>>;
  stats: MonitorStats;
}

interface DerivedEntry {
  detector: DerivedDetector;
  out: DetectorOutput;
}

interface DetectorEntry {
  kind: string;
  instance: DetectorInstance;
  out: DetectorOutput;
}

/** Observations processed before the consumer yields to I/O. */
const BATCH = 2048;

/**
 * The monitor pipeline: sources push observations into a bounded queue; one consumer routes
 * each to the detectors that accept it; detector signals become findings with stable ids
 * (FindingTracker); changes go to listeners and, batched, to the database.
 */
export class Monitor {
  readonly #config: AnyMonitorConfig;
  readonly #deps: MonitorDeps;
  readonly #queue: BoundedQueue<Observation>;
  readonly #tracker: FindingTracker;
  readonly #store: MonitorStore | null;
  readonly #detectors: DetectorEntry[] = [];
  readonly #derived: DerivedEntry[] = [];
  readonly #routes = new Map<string, DetectorEntry[]>();
  readonly #watchers = new Map<string, ((obs: Observation) => void)[]>();
  readonly #sources = new Map<string, SourceInstance>();
  readonly #listeners = new Set<(change: FindingChange) => void>();
  readonly #abort = new AbortController();
  readonly #stats: Omit<MonitorStats, "queue" | "store"> = {
    observations: {},
    detectorErrors: 0,
    storeErrors: 0,
    findingChanges: { opened: 0, escalated: 0, updated: 0, resolved: 0 },
  };
  #busy = false;
  #tickTimer: TimerHandle | null = null;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #running: Promise<unknown> | null = null;

  private constructor(config: AnyMonitorConfig, deps: MonitorDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#queue = new BoundedQueue(config.queueCapacity);
    this.#tracker = new FindingTracker(deps.tenantId, () => deps.clock.now());
    this.#store = deps.db
      ? new MonitorStore(
          deps.db,
          deps.tenantId,
          deps.log.child({ component: "store" }),
          Object.values(deps.plugins.stores ?? {}).map((h) =>
            h.create({ sampleEveryMs: config.sampleEveryMs }),
          ),
          deps.afterFindings ?? null,
        )
      : null;
  }

  /** Builds the pipeline and restores the open findings of the tenant, so a condition that continues keeps its id. */
  static async create(config: AnyMonitorConfig, deps: MonitorDeps): Promise<Monitor> {
    const part = deps.part;
    if (part?.kind === "detect" && !(part.shard >= 0 && part.shard < part.shards))
      throw new RangeError(`shard ${part.shard} of ${part.shards}: expected 0 ≤ shard < shards`);
    const m = new Monitor(config, part?.kind === "ingest" ? { ...deps, db: null } : deps);
    if (part?.kind !== "ingest") {
      m.#createDetectors();
      if (part?.kind !== "detect" || part.shard === 0) m.#createDerived();
    }
    if (part?.kind !== "detect") m.#createSources();
    if (m.#deps.db) {
      const own = new Set([
        ...m.#detectors.map((d) => d.kind),
        ...m.#derived.map((d) => d.detector.kind),
      ]);
      const open = await listOpenFindings(m.#deps.db, deps.tenantId);
      m.#tracker.restore(part ? open.filter((f) => own.has(f.detector)) : open);
    }
    return m;
  }

  /**
   * Resolves once everything emitted so far is routed and committed to the database (findings,
   * the alerts routed with them, history rows); what a process splitting the pipeline waits for
   * before it acknowledges the observations.
   * @throws Error when the database write failed (its rows stay queued and are written again).
   */
  async persisted(): Promise<void> {
    while (this.#queue.size > 0 || this.#busy) await new Promise((r) => setImmediate(r));
    const store = this.#store;
    if (!store) return;
    const failures = store.counters.flushFailures;
    for (;;) {
      await store.flush();
      if (store.idle) return;
      if (store.counters.flushFailures > failures)
        throw new Error("the database write failed; the rows stay queued");
    }
  }

  /** Calls `fn` with every finding change (opened, escalated, updated, resolved). @returns an unsubscribe function. */
  onChange(fn: (change: FindingChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Calls `fn` after findings were committed to the database (changes reach `onChange` listeners
   * first, before they are written). Never called without a database.
   */
  onFindingsStored(fn: (count: number) => void): void {
    this.#store?.onFindingsWritten(fn);
  }

  /** Starts sources, the consumer and the tick. */
  start(): void {
    if (this.#running) return;
    const runs: Promise<void>[] = [...this.#sources].map(([kind, s]) =>
      s.run().catch((err: unknown) => {
        this.#deps.log.error(
          { source: kind, err: describeError(err) },
          "source stopped unexpectedly",
        );
      }),
    );
    runs.push(this.#consume());
    this.#running = Promise.all(runs);
    this.#scheduleTick();
  }

  /**
   * Pushes an observation as a source would (tests, benchmarks, imports); `O` is the module's
   * observation union. @returns false when dropped.
   */
  emit<O extends Observation>(obs: O): boolean {
    return this.#queue.push(obs);
  }

  /**
   * Resolves once no I/O is in flight, the queue is drained and the store is written, checked
   * over two event-loop turns. Replays advance their clock only then.
   * @param maxWaitMs real-time safety limit; on expiry it logs and resolves.
   */
  async whenIdle(maxWaitMs = 30_000): Promise<void> {
    const deadline = performance.now() + maxWaitMs;
    let stable = 0;
    while (stable < 2) {
      await new Promise((r) => setImmediate(r));
      const drained = this.#queue.size === 0 && !this.#busy;
      if (drained && this.#store && !this.#store.idle) void this.#store.flush();
      const idle = drained && this.#deps.io.inFlight === 0 && (this.#store?.idle ?? true);
      stable = idle ? stable + 1 : 0;
      if (performance.now() > deadline) {
        this.#deps.log.warn(
          { inFlight: this.#deps.io.inFlight, queued: this.#queue.size },
          "pipeline not idle in time",
        );
        return;
      }
    }
  }

  /** Stops sources, drains what is queued, writes it, and stops the tick. */
  async stop(): Promise<void> {
    this.#abort.abort(new DOMException("monitor stopped", "AbortError"));
    this.#tickTimer?.cancel();
    this.#queue.close();
    await this.#running;
    await this.#store?.flush();
  }

  /**
   * Calls `fn` with every time-series row the histories queue for writing (none without a
   * database): what a module's live figures (`/metrics`) are read from. A throwing listener is
   * logged and the pipeline goes on.
   */
  onRecord(fn: (row: unknown) => void): void {
    this.#store?.onRecord((row) => {
      try {
        fn(row);
      } catch (err) {
        this.#deps.log.error({ err: describeError(err) }, "record listener failed");
      }
    });
  }

  /** The derived detectors this monitor runs, with what each is. */
  derivedDetectors(): { kind: string; description: string }[] {
    return this.#derived.map((d) => ({
      kind: d.detector.kind,
      description: d.detector.description,
    }));
  }

  health(): MonitorHealth {
    const out: Record<string, SourceHealth> = {};
    for (const [kind, s] of this.#sources) out[kind] = s.health();
    const derived: Record<string, Record<string, number>> = {};
    for (const d of this.#derived)
      if (d.detector.stats) derived[d.detector.kind] = d.detector.stats();
    return {
      sources: out,
      derived,
      stats: {
        ...this.#stats,
        observations: { ...this.#stats.observations },
        queue: {
          size: this.#queue.size,
          capacity: this.#queue.capacity,
          dropped: this.#queue.dropped,
        },
        store: this.#store ? { ...this.#store.counters } : null,
      },
    };
  }

  #createDetectors(): void {
    const ctx = { now: () => this.#deps.clock.now(), log: this.#deps.log };
    const part = this.#deps.part;
    const enabled = Object.entries(this.#deps.plugins.detectors)
      .filter(([kind]) => this.#config.detectors[kind]?.enabled)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [i, [kind, detector]] of enabled.entries()) {
      const slot = this.#config.detectors[kind];
      if (!slot) continue;
      if (part?.kind === "detect" && i % part.shards !== part.shard) continue;
      const instance = detector.create(slot.config as never, {
        ...ctx,
        log: ctx.log.child({ detector: kind }),
      });
      const entry: DetectorEntry = { kind, instance, out: this.#outputFor(kind) };
      this.#detectors.push(entry);
      for (const type of instance.accepts) {
        const list = this.#routes.get(type) ?? [];
        list.push(entry);
        this.#routes.set(type, list);
      }
    }
  }

  #createDerived(): void {
    for (const detector of this.#deps.derived ?? []) {
      const entry: DerivedEntry = { detector, out: this.#outputFor(detector.kind) };
      this.#derived.push(entry);
      if (detector.record)
        this.#store?.onRecord((r) =>
          this.#guard(detector.kind, "record", () => detector.record?.(r, entry.out)),
        );
    }
  }

  /** Runs a derived detector's step; its failure is counted and logged, never propagated. */
  #guard(kind: string, step: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#stats.detectorErrors++;
      this.#deps.log.error({ detector: kind, step, err: describeError(err) }, "detector failed");
    }
  }

  #createSources(): void {
    for (const [kind, source] of Object.entries(this.#deps.plugins.sources)) {
      const slot = this.#config.sources[kind];
      if (!slot?.enabled) continue;
      const ctx: SourceContext = {
        signal: this.#abort.signal,
        log: this.#deps.log.child({ source: kind }),
        clock: this.#deps.clock,
        random: this.#deps.random,
        http: this.#deps.http,
        io: this.#deps.io,
        emit: (obs) => this.#queue.push(obs),
        tapFrame: this.#deps.tapFrame,
        watch: (type, fn) => {
          const list = this.#watchers.get(type) ?? [];
          list.push(fn as (obs: Observation) => void);
          this.#watchers.set(type, list);
        },
      };
      this.#sources.set(kind, source.create(slot.config as never, ctx));
    }
  }

  #outputFor(kind: string): DetectorOutput {
    return {
      raise: (signal) => this.#publish(this.#tracker.raise(kind, signal)),
      resolve: (ref, dataTime, reason) => {
        const change = this.#tracker.resolve(kind, ref, dataTime, reason);
        if (change) this.#publish(change);
      },
      keep: (obs) => this.#store?.observe(obs),
    };
  }

  #publish(change: FindingChange): void {
    this.#stats.findingChanges[change.change]++;
    this.#store?.finding(change.finding);
    for (const fn of this.#listeners) {
      try {
        fn(change);
      } catch (err) {
        this.#deps.log.error({ err: describeError(err) }, "finding listener failed");
      }
    }
    for (const d of this.#derived) {
      if (!d.detector.finding || d.detector.kind === change.finding.detector) continue;
      this.#guard(d.detector.kind, "finding", () => d.detector.finding?.(change, d.out));
    }
  }

  async #consume(): Promise<void> {
    for (;;) {
      await this.#queue.wait();
      if (this.#queue.size === 0 && this.#queue.closed) return;
      this.#busy = true;
      let n = 0;
      for (let obs = this.#queue.shift(); obs !== undefined; obs = this.#queue.shift()) {
        this.#route(obs);
        if (++n % BATCH === 0) await new Promise((r) => setImmediate(r));
      }
      this.#busy = false;
      void this.#store?.flush();
    }
  }

  #route(obs: Observation): void {
    const counts = this.#stats.observations;
    counts[obs.type] = (counts[obs.type] ?? 0) + 1;
    for (const fn of this.#watchers.get(obs.type) ?? []) {
      try {
        fn(obs);
      } catch (err) {
        this.#deps.log.error({ err: describeError(err) }, "source watcher failed");
      }
    }
    const part = this.#deps.part;
    if (part?.kind === "ingest") {
      part.forward(obs);
      return;
    }
    for (const d of this.#routes.get(obs.type) ?? []) {
      try {
        d.instance.observe(obs, d.out);
      } catch (err) {
        this.#stats.detectorErrors++;
        this.#deps.log.error(
          { detector: d.kind, type: obs.type, err: describeError(err) },
          "detector failed on an observation",
        );
      }
    }
    if (part?.kind === "detect" && part.shard !== 0) return; // shard 0 keeps the history
    try {
      this.#store?.observe(obs);
    } catch (err) {
      this.#stats.storeErrors++;
      this.#deps.log.error(
        { type: obs.type, err: describeError(err) },
        "could not record an observation",
      );
    }
  }

  #scheduleTick(): void {
    this.#tickTimer = this.#deps.clock.setTimeout(() => {
      this.#tick();
      if (!this.#abort.signal.aborted) this.#scheduleTick();
    }, this.#config.tickMs);
  }

  #tick(): void {
    const now = this.#deps.clock.now();
    for (const d of this.#detectors) {
      if (!d.instance.tick) continue;
      try {
        d.instance.tick(now, d.out);
      } catch (err) {
        this.#stats.detectorErrors++;
        this.#deps.log.error({ detector: d.kind, err: describeError(err) }, "detector tick failed");
      }
    }
    for (const d of this.#derived)
      if (d.detector.tick)
        this.#guard(d.detector.kind, "tick", () => d.detector.tick?.(now, d.out));
    for (const change of this.#tracker.expire()) this.#publish(change);
    if (this.#store) {
      if (now - this.#lastPrune >= 3_600_000) {
        this.#lastPrune = now;
        void this.#store.prune(now - this.#config.retentionDays * 86_400_000);
      }
      void this.#store.flush();
    }
  }
}
