import {
  type Clock,
  FetchHttpClient,
  type FindingChange,
  type HttpClient,
  IoTracker,
  type Logger,
  type Random,
  seededRandom,
  VirtualClock,
} from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import {
  type AnyMonitorConfig,
  Monitor,
  type MonitorDeps,
  type MonitorHealth,
  type PipelinePlugins,
} from "@kamiyo/monitor";
import { isFrame, isMeta, type ReplayLine } from "./format.ts";
import { type ReadStats, ReplayReader } from "./ndjson-reader.ts";
import type { ReplayModule, ReplayProtocolServer } from "./replay-module.ts";

/** What a replay gives the pipeline it drives. */
export interface ReplayContext<C extends AnyMonitorConfig = AnyMonitorConfig> {
  /** The replay's clock: every timer of the pipeline must run on it. */
  clock: VirtualClock;
  /** I/O the replay waits for before moving its clock on; track the pipeline's own I/O here. */
  io: IoTracker;
  /** HTTP to the replay server (tracked by `io`). */
  http: HttpClient;
  random: Random;
  /** The monitor settings, with every source aimed at the replay server. */
  config: C;
  /** The plug-ins of the module being replayed. */
  plugins: PipelinePlugins;
  log: Logger;
}

/** A pipeline a replay drives: the monitor, and what runs beside it on the replay's clock. */
export interface ReplayPipeline {
  monitor: Monitor;
  /** Starts the monitor and what runs beside it. */
  start(): void;
  /** Stops them, writing what is pending. */
  stop(): Promise<void>;
}

export interface ReplayOptions<I, C extends AnyMonitorConfig, S extends object> {
  file: string;
  /** The product module whose recording this is: its protocol server, plug-ins and settings. */
  module: ReplayModule<I, C, S>;
  /** Virtual milliseconds per real millisecond; "max" runs as fast as the pipeline allows. */
  speed: number | "max";
  /** Monitor settings (thresholds, cadences); source URLs are pointed at the replay server. */
  config: I;
  log: Logger;
  onChange?: (change: FindingChange, replayTs: number) => void;
  /** Seed of the pipeline's random source (reconnect jitter), for reproducible replays. */
  seed?: number;
  /** Ends the replay early (the pipeline is stopped as at the file's end). */
  signal?: AbortSignal;
  /**
   * Builds what the replay runs: the product's composition (`kamiyo replay`: derived detectors,
   * alert routing, the incident feed), or {@link monitorOnly}.
   */
  pipeline: (ctx: ReplayContext<C>) => Promise<ReplayPipeline>;
}

/**
 * The monitor alone (rule-based detectors and `derived`), storing into `db` (null: nothing
 * stored): the pipeline of tests, benchmarks and training replays.
 */
export function monitorOnly(opts: {
  db: Db | null;
  tenantId: string;
  /** Detectors of derived data (the ML anomaly detector, the correlator), on the replay's clock. */
  derived?: (clock: Clock) => MonitorDeps["derived"];
}): (ctx: ReplayContext) => Promise<ReplayPipeline> {
  return async (ctx) => {
    const monitor = await Monitor.create(ctx.config, {
      clock: ctx.clock,
      random: ctx.random,
      log: ctx.log,
      http: ctx.http,
      io: ctx.io,
      db: opts.db,
      tenantId: opts.tenantId,
      plugins: ctx.plugins,
      derived: opts.derived?.(ctx.clock),
    });
    return { monitor, start: () => monitor.start(), stop: () => monitor.stop() };
  };
}

export interface ReplaySummary<S extends object = object> {
  firstTs: number | null;
  lastTs: number | null;
  realMs: number;
  read: ReadStats;
  /** The protocol server's counters (what it answered, what it could not). */
  server: S;
  health: MonitorHealth | null;
  labels: string[];
}

/**
 * Replays a recording through the unchanged pipeline: a local server speaks the recorded
 * protocols, and a virtual clock shared by sources and detectors jumps from event to event
 * (recorded frames, pipeline timers). Each step waits until every pushed frame was received and
 * the pipeline is idle, so results do not depend on the speed. Ends at the file's last line.
 */
export async function replay<I, C extends AnyMonitorConfig, S extends object>(
  opts: ReplayOptions<I, C, S>,
): Promise<ReplaySummary<S>> {
  const started = performance.now();
  const reader = new ReplayReader(opts.file, opts.log, opts.module.lines);
  const labels: string[] = [];
  const first = await skipMeta(reader, labels);
  const server = await opts.module.startServer(opts.log.child({ component: "replay-server" }));
  const frames = new Set(opts.module.lines.frames);
  const summary = (health: MonitorHealth | null): ReplaySummary<S> => ({
    firstTs: first?.ts ?? null,
    lastTs: first ? reader.lastTs : null,
    realMs: Math.round(performance.now() - started),
    read: reader.stats,
    server: server.stats,
    health,
    labels,
  });
  if (!first) {
    await server.close();
    return summary(null);
  }
  const clock = new VirtualClock(first.ts);
  const io = new IoTracker();
  let pipeline: ReplayPipeline;
  try {
    pipeline = await opts.pipeline({
      clock,
      io,
      http: new FetchHttpClient({ userAgent: "kamiyo-replay", timeoutMs: 10_000, io }),
      random: seededRandom(opts.seed ?? 1),
      config: opts.module.config(opts.config, server.url),
      plugins: opts.module.plugins,
      log: opts.log,
    });
  } catch (err) {
    await server.close();
    throw err;
  }
  const monitor = pipeline.monitor;
  if (opts.onChange) {
    const fn = opts.onChange;
    monitor.onChange((change) => fn(change, clock.now()));
  }
  try {
    await makeVisible(reader, server, frames, first.ts, labels);
    pipeline.start();
    await server.barrier();
    await monitor.whenIdle();
    let wallAnchor = performance.now();
    let clockAnchor = clock.now();
    for (;;) {
      if (opts.signal?.aborted) break;
      const next = await reader.peek();
      const timer = clock.nextTimerAt();
      if (next === null && (timer === undefined || timer > reader.lastTs)) break;
      const t = Math.min(next?.ts ?? Number.POSITIVE_INFINITY, timer ?? Number.POSITIVE_INFINITY);
      if (opts.speed !== "max") {
        const due = wallAnchor + (t - clockAnchor) / opts.speed;
        const wait = due - performance.now();
        if (wait > 0) await sleepUnlessAborted(wait, opts.signal);
        else if (wait < -1_000) {
          wallAnchor = performance.now();
          clockAnchor = t;
        }
      }
      const due = await makeVisible(reader, server, frames, t, labels);
      clock.advanceTo(t);
      for (const f of due) server.push(f);
      // The barrier is only needed when frames went out; timers alone end in I/O the monitor tracks.
      if (due.length > 0) await server.barrier();
      await monitor.whenIdle();
    }
  } finally {
    await pipeline.stop();
    await server.close();
  }
  return summary(monitor.health());
}

/** Resolves after `ms` real milliseconds, or as soon as `signal` aborts. */
function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

async function skipMeta(reader: ReplayReader, labels: string[]): Promise<ReplayLine | null> {
  for (;;) {
    const line = await reader.peek();
    if (line?.src !== "meta") return line;
    await reader.next();
    collectLabel(line, labels);
  }
}

function collectLabel(line: ReplayLine, labels: string[]): void {
  if (!isMeta(line)) return;
  const text = [line.label, line.description].filter((x) => typeof x === "string").join(": ");
  if (text) labels.push(text);
}

/** Makes every exchange with ts ≤ t visible to the server; returns the frames due by t. */
async function makeVisible(
  reader: ReplayReader,
  server: ReplayProtocolServer,
  frameSources: ReadonlySet<string>,
  t: number,
  labels: string[],
): Promise<unknown[]> {
  const frames: unknown[] = [];
  for (let line = await reader.peek(); line && line.ts <= t; line = await reader.peek()) {
    await reader.next();
    if (isMeta(line)) collectLabel(line, labels);
    else if (frameSources.has(line.src) && isFrame(line)) frames.push(line.msg);
    else server.load(line);
  }
  return frames;
}
