import type { ChannelSecretBox } from "@kamiyo/alerts";
import type { Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { ObservationStream } from "@kamiyo/monitor/stream";
import type { AppConfig } from "../config/app-config.ts";
import type { Pipeline } from "../pipeline.ts";
import { livePipeline } from "../runtime.ts";
import { ObservationPublisher } from "./observation-publisher.ts";
import { scrapedCounter, scrapedGauge, type WorkerProbe } from "./probe-server.ts";

/** A process's half of a split pipeline: its monitor, what it reports, and how to stop it. */
export interface PipelineHalf {
  pipeline: Pipeline;
  probe: WorkerProbe;
  stop(): Promise<void>;
}

/**
 * `--role ingest` without detect: the sources, each observation (after the sources' watchers saw
 * it) buffered and published to the observation stream in order.
 */
export async function startIngest(
  config: AppConfig,
  log: Logger,
  db: Db,
  stream: ObservationStream,
): Promise<PipelineHalf> {
  const publisher = new ObservationPublisher(stream, log.child({ component: "publisher" }));
  // An ingest process stores no alert: it needs no key ring.
  const pipeline = await livePipeline(config, log, db, {
    secrets: null,
    part: { kind: "ingest", forward: (obs) => publisher.push(obs) },
  });
  pipeline.start({ deliver: false });
  return {
    pipeline,
    probe: {
      notReady: () => (publisher.failing ? "publishing observations to NATS fails" : null),
      register(metrics) {
        const c = publisher.counters;
        const counter = (what: keyof typeof c, help: string) =>
          scrapedCounter(metrics, `kamiyo_stream_${what}_total`, help, () => c[what]);
        counter("published", "Observations published to the stream (new to it)");
        counter(
          "duplicates",
          "Observations the stream already held (another ingest published them)",
        );
        counter("dropped", "Observations dropped: the publish buffer was full while NATS was away");
        counter("refused", "Observations that cannot travel as JSON, dropped");
        counter("failures", "Failed publish attempts, each retried");
        scrapedGauge(
          metrics,
          "kamiyo_stream_publish_pending",
          "Observations waiting to be published",
          () => publisher.pending,
        );
      },
    },
    async stop() {
      await pipeline.stop(); // the sources stop; what they emitted is forwarded
      await publisher.stop();
    },
  };
}

/** The consumer group of detector shard `index` of `of` on the observation stream. */
export const detectGroup = (shard: { index: number; of: number }) =>
  `detect-${shard.index}-of-${shard.of}`;

/**
 * `--role detect` without ingest: detector shard `shard` (findings stored, alerts routed in
 * their transaction; delivering is the deliver role's), fed by its consumer group on the
 * observation stream; a batch is acknowledged once everything it caused is committed.
 */
export async function startDetect(
  config: AppConfig,
  log: Logger,
  db: Db,
  stream: ObservationStream,
  shard: { index: number; of: number },
  secrets: ChannelSecretBox,
): Promise<PipelineHalf> {
  const pipeline = await livePipeline(config, log, db, {
    secrets,
    part: { kind: "detect", shard: shard.index, shards: shard.of },
  });
  pipeline.start({ deliver: false });
  // API processes elsewhere read the findings at once rather than at their next poll.
  pipeline.monitor.onFindingsStored(() => stream.announceFindingsWritten());
  const group = detectGroup(shard);
  const state = { batches: 0, redelivered: 0, lastSeq: 0, failing: false };
  const consuming = await stream.consume(
    group,
    async (batch) => {
      for (const obs of batch.observations)
        if (!pipeline.monitor.emit(obs)) throw new Error("the pipeline's queue is full");
      await pipeline.monitor.persisted();
      state.batches++;
      state.redelivered += batch.redelivered;
      state.lastSeq = batch.lastSeq;
      state.failing = false;
    },
    {
      onError: (err, attempt) => {
        state.failing = true;
        log.warn({ err: String(err), attempt, group }, "a batch of observations failed; retrying");
      },
    },
  );
  log.info({ group, shard: `${shard.index}/${shard.of}` }, "detecting from the stream");
  return {
    pipeline,
    probe: {
      notReady: () => (state.failing ? "storing a batch of observations fails" : null),
      register(metrics) {
        scrapedCounter(
          metrics,
          "kamiyo_stream_batches_total",
          "Batches of observations detected on and acknowledged",
          () => state.batches,
        );
        scrapedCounter(
          metrics,
          "kamiyo_stream_redelivered_total",
          "Observations delivered again after a consumer of the group died holding them",
          () => state.redelivered,
        );
        scrapedGauge(
          metrics,
          "kamiyo_stream_acked_seq",
          "The stream sequence of the last observation acknowledged by this process",
          () => state.lastSeq,
        );
      },
    },
    async stop() {
      await consuming(); // the batch in hand is finished and acknowledged
      await pipeline.stop();
    },
  };
}
