import type { Alerting, ChannelSecretBox, DeliveryMode } from "@kamiyo/alerts";
import type { Clock, HttpClient, IoTracker, Logger, Random } from "@kamiyo/core";
import { type Db, DEFAULT_TENANT_ID } from "@kamiyo/db";
import { CrossProtocolCorrelator } from "@kamiyo/hyperliquid/ml";
import {
  type DerivedDetector,
  Monitor,
  type MonitorDeps,
  type PipelinePart,
} from "@kamiyo/monitor";
import { createAlerting } from "./alerting-runtime.ts";
import type { AppConfig, MonitorConfig } from "./config/app-config.ts";
import { IncidentFeed } from "./incident-feed.ts";
import { derivedDetectors } from "./ml-runtime.ts";
import { MODULES } from "./modules.ts";

/** What the pipeline runs on: live, the system clock and real HTTP; in a replay, its own. */
export interface PipelineDeps {
  log: Logger;
  clock: Clock;
  /** I/O in flight (a replay waits for it before moving its clock on). */
  io: IoTracker;
  http: HttpClient;
  random: Random;
  /** Where findings, time series and alerts are stored. */
  db: Db;
  /**
   * Where the active anomaly model and exploit incidents are read; default `db`. A replay
   * without --persist stores in memory and reads these from the configured database.
   */
  reference?: Db;
  /** The monitor settings (a replay aims the sources at its server). */
  monitor: MonitorConfig;
  /** `send` live; `record` in a replay: alerts are decided and stored, never sent. */
  deliveries: DeliveryMode;
  /** Seals and opens the alert channels' secrets in `db` (`secretBoxFor`; a replay's own). */
  secrets: ChannelSecretBox;
  /** Raw WebSocket frames, for `kamiyo record`. */
  tapFrame?: MonitorDeps["tapFrame"];
  /** The part of the pipeline this process runs (`serve --role ingest|detect`); default all. */
  part?: PipelinePart;
}

/** The monitor and what runs with it. */
export interface Pipeline {
  monitor: Monitor;
  /** Null when alerting is off (ALERTS_ENABLED=false). */
  alerting: Alerting | null;
  derived: readonly DerivedDetector[];
  /**
   * Starts the monitor, the incident feed and alerting (its delivery worker and flushes of held
   * alerts unless `deliver` is false: another process delivers).
   */
  start(opts?: { deliver?: boolean }): void;
  /** Stops the monitor (writing what is pending, alerts routed with it), then the rest. */
  stop(): Promise<void>;
}

/**
 * The one composition of `kamiyo serve`, `monitor`, `record` and `replay`, whatever the clock:
 * the rule-based detectors; the derived detectors (the active anomaly model, the correlator
 * where the plan includes it); alert routing in the transaction that stores findings; and, for
 * the correlator, the feed of exploit incidents with an attack time.
 */
export async function createPipeline(config: AppConfig, deps: PipelineDeps): Promise<Pipeline> {
  const reference = deps.reference ?? deps.db;
  const part = deps.part;
  // An ingest process only publishes; a detect shard other than 0 runs no derived detectors.
  const detects = part?.kind !== "ingest";
  const derived =
    detects && (part?.kind !== "detect" || part.shard === 0)
      ? await derivedDetectors(config, reference, deps.log, deps.clock)
      : [];
  const alerting = detects
    ? await createAlerting(config, deps.log, deps.db, {
        clock: deps.clock,
        io: deps.io,
        deliveries: deps.deliveries,
        secrets: deps.secrets,
      })
    : null;
  const monitor = await Monitor.create(deps.monitor, {
    clock: deps.clock,
    random: deps.random,
    log: deps.log,
    http: deps.http,
    io: deps.io,
    db: deps.db,
    tenantId: DEFAULT_TENANT_ID,
    plugins: MODULES.pipeline,
    derived,
    afterFindings: alerting?.afterFindings,
    tapFrame: deps.tapFrame,
    part,
  });
  const correlator = derived.find((d) => d instanceof CrossProtocolCorrelator);
  const feed = correlator
    ? new IncidentFeed(
        {
          db: reference,
          clock: deps.clock,
          io: deps.io,
          log: deps.log.child({ component: "incident-feed" }),
        },
        correlator,
        { everyMs: config.correlator.incidentPollMs, latenessMs: config.correlator.latenessMs },
      )
    : null;
  return {
    monitor,
    alerting,
    derived,
    start(opts = {}) {
      if (opts.deliver ?? true) alerting?.start();
      feed?.start();
      monitor.start();
    },
    async stop() {
      await monitor.stop();
      await feed?.stop();
      await alerting?.stop();
    },
  };
}
