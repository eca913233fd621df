import { createLogger } from "@kamiyo/core";
import { type Db, tenantDb } from "@kamiyo/db";
import { learnBaseline } from "../analysis/baseline.ts";
import { remoteWriteAnomalies } from "../ingest/remote-write-anomalies.ts";
import { encodeRemoteWrite, type SeriesToEncode } from "../ingest/remote-write-encode.ts";
import { watchMessages } from "../ingest/watch-messages.ts";
import type { Baseline } from "../model.ts";
import { type RcaRuntime, startRcaRuntime } from "../service/rca-runtime.ts";
import { replaceCallEdges } from "../store/write-graph.ts";
import { nezhaWatchEvents } from "./cluster-state.ts";
import type { NezhaDay } from "./load-day.ts";

const MIN = 60_000;

/** What sending a day through the product's ingest did. */
export interface DayIngest {
  /** Remote-write bodies sent (one per minute of metrics) and the samples in them. */
  readonly bodies: number;
  readonly samples: number;
  /** Samples the route dropped, by why. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Metric anomalies and recoveries the detector found, queued and stored. */
  readonly events: number;
}

/**
 * Sends one Nezha day into `tenantId`'s graph the way the product receives a cluster: its pods
 * and Services as the state watcher's watch events and its call graph as CALLS edges (both dated a
 * minute before the first sample), then its metrics in time order as one Prometheus remote-write
 * body per minute, each through the remote-write route's own step ({@link remoteWriteAnomalies}:
 * decode, the tenant's streaming detector) with the server's clock at the end of that minute.
 * Everything found is queued on the runtime's ingest bus and stored by its graph builder, as
 * `kamiyo serve` does without NATS. The detector's baseline for a series is the one learnt from
 * the day's normal period (`construct_data`). Metrics after `until` (epoch ms) are not sent.
 * Resolves once the builder has stored everything.
 */
export async function ingestNezhaDay(
  db: Db,
  tenantId: string,
  day: NezhaDay,
  opts: { until?: number } = {},
): Promise<DayIngest> {
  const minutes = byMinute(day, opts.until ?? Number.POSITIVE_INFINITY);
  const first = minutes.keys().next().value ?? 0;
  let now = first * MIN - MIN;
  const baselines = learnBaselines(day);
  const runtime = await startRcaRuntime(
    { builder: true },
    {
      db,
      log: createLogger("silent", {}),
      now: () => now,
      baselineFor: (_tenant, labels) => baselines.get(seriesKey(labels)),
    },
  );
  let queued = 0;
  try {
    const state = watchMessages(nezhaWatchEvents(day, now, namespaceOf(day)));
    queued += (await runtime.bus.publish(tenantId, "state.k8s.resource", state.messages)).accepted;
    // The builder dates what it stores by its clock: the cluster is in the graph before metrics.
    await stored(runtime, queued);
    await replaceCallEdges(
      tenantDb(db, tenantId),
      "nezha",
      day.calls.map((c) => ({ namespace: namespaceOf(day), ...c })),
      new Date(now),
    );
    let samples = 0;
    const dropped: Record<string, number> = {};
    let events = 0;
    for (const [minute, series] of minutes) {
      now = (minute + 1) * MIN;
      const found = remoteWriteAnomalies(
        encodeRemoteWrite(series),
        runtime.detector(tenantId),
        now,
      );
      samples += found.samples;
      for (const [why, n] of Object.entries(found.dropped)) dropped[why] = (dropped[why] ?? 0) + n;
      events += found.events.length;
      if (found.events.length > 0)
        queued += (
          await runtime.bus.publish(
            tenantId,
            "events.normalized",
            found.events.map((e) => ({ id: e.dedupeKey, body: e })),
          )
        ).accepted;
      if (queued - handled(runtime) > 10_000) await stored(runtime, queued);
    }
    await stored(runtime, queued);
    return { bodies: minutes.size, samples, dropped, events };
  } finally {
    await runtime.close();
  }
}

/** The day's samples up to `until`, grouped by the minute they fall in, as remote-write series. */
function byMinute(day: NezhaDay, until: number): Map<number, SeriesToEncode[]> {
  const out = new Map<number, Map<number, SeriesToEncode & { samples: [number, number][] }>>();
  day.series.forEach((s, i) => {
    const labels = Object.entries(s.labels);
    for (const x of s.samples) {
      if (x.timestamp > until) continue;
      const minute = Math.floor(x.timestamp / MIN);
      const bucket = out.get(minute) ?? new Map();
      out.set(minute, bucket);
      const series = bucket.get(i) ?? { labels, samples: [] };
      bucket.set(i, series);
      series.samples.push([x.timestamp, x.value]);
    }
  });
  return new Map(
    [...out.entries()].sort(([a], [b]) => a - b).map(([m, bucket]) => [m, [...bucket.values()]]),
  );
}

/** Each series' baseline from the day's normal period, by its labels. */
function learnBaselines(day: NezhaDay): Map<string, Baseline> {
  const out = new Map<string, Baseline>();
  for (const s of day.normal) {
    const b = learnBaseline(s.samples.map((x) => x.value));
    if (b) out.set(seriesKey(s.labels), b);
  }
  return out;
}

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function namespaceOf(day: NezhaDay): string {
  return day.series[0]?.labels.namespace ?? "default";
}

/** Messages the graph builder has taken off the bus (each is one object or one event). */
function handled(runtime: RcaRuntime): number {
  const s = runtime.builderStats();
  return s ? s.objects + s.malformed + s.events + s.ignored : 0;
}

/** Resolves once the builder has handled `queued` messages; throws when it stalls for 30 s. */
async function stored(runtime: RcaRuntime, queued: number): Promise<void> {
  let last = handled(runtime);
  let since = performance.now();
  while (last < queued) {
    await new Promise((r) => setTimeout(r, 2));
    const now = handled(runtime);
    if (now > last) [last, since] = [now, performance.now()];
    else if (performance.now() - since > 30_000)
      throw new Error(`the graph builder stalled at ${now} of ${queued} messages`);
  }
}
