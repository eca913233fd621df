import { type AnomalyOptions, DEFAULT_ANOMALY, scoreMetric } from "../analysis/anomaly.ts";
import { learnBaseline } from "../analysis/baseline.ts";
import { faultDirection } from "../analysis/strength.ts";
import type { Baseline, MetricSeries, MetricSignal, Sample } from "../model.ts";
import { RESOURCE_LABELS } from "./build-graph.ts";
import type { MetricIngestedEvent } from "./events.ts";
import { metricMeta } from "./remote-write.ts";
import { SampleRing } from "./sample-ring.ts";

/** How the streaming detector decides; the scoring itself is `analysis/`'s {@link scoreMetric}. */
export interface StreamingAnomalyOptions {
  /** The scoring's parameters (reference period, floors), as the batch ranking uses them. Default {@link DEFAULT_ANOMALY}. */
  readonly anomaly: AnomalyOptions;
  /** Minutes whose median is scored: the window ending at the newest sample. Default 5. */
  readonly windowMinutes: number;
  /** Fewest samples in the window before it is scored. Default 3. */
  readonly minWindowSamples: number;
  /** An episode opens when the z moved in the fault direction reaches this. Default 3. */
  readonly enterZ: number;
  /** It closes (a recovery) when that z falls below this. Default 1.5. */
  readonly exitZ: number;
  /** Samples kept per series (reference period + window). Default 512. */
  readonly samplesPerSeries: number;
  /** Series kept per tenant; a new series past it is refused. Default 10,000. */
  readonly maxSeries: number;
  /**
   * The baseline each series learns by itself when none is supplied: one value per `learnEveryMinutes`
   * (the last of that slot) over the last `learnSlots` slots, outside anomaly episodes, and the
   * baseline of them once `learnMinSlots` are kept, refreshed each slot. Defaults: 5 minutes, 288
   * slots (24 hours), 36 (3 hours). `learnSlots: 0` turns learning off.
   */
  readonly learnEveryMinutes: number;
  readonly learnSlots: number;
  readonly learnMinSlots: number;
}

export const DEFAULT_STREAMING: StreamingAnomalyOptions = {
  anomaly: DEFAULT_ANOMALY,
  windowMinutes: 5,
  minWindowSamples: 3,
  enterZ: 3,
  exitZ: 1.5,
  samplesPerSeries: 512,
  maxSeries: 10_000,
  learnEveryMinutes: 5,
  learnSlots: 288,
  learnMinSlots: 36,
};

/** What {@link StreamingAnomalyDetector.observe} did with one sample. */
export type ObserveResult =
  | {
      readonly accepted: true;
      /** An anomaly (an episode starts) or a recovery (it ends); usually empty. */
      readonly events: readonly MetricIngestedEvent[];
      /** The window's z as scored now (against the frozen reference during an episode); undefined while warming up. */
      readonly z?: number;
    }
  | {
      readonly accepted: false;
      readonly reason: "series_limit" | "no_resource" | "out_of_order";
      readonly message: string;
    };

interface Episode {
  readonly reference: number;
  readonly scale: number;
}

interface SeriesState {
  readonly view: Omit<MetricSeries, "samples" | "baseline">;
  readonly ring: SampleRing;
  /** The baseline supplied for the series (`baselineFor`). */
  readonly baseline?: Baseline;
  /** What the series learns by itself when none was supplied. */
  readonly learner?: BaselineLearner;
  episode?: Episode;
}

/** A series' own normal-period history: one value per slot, the slots of anomaly episodes left out. */
interface BaselineLearner {
  readonly values: Float64Array;
  /** Slots written (the ring holds the last `values.length`). */
  written: number;
  /** The slot of the newest value kept, and that value (the slot's last sample outside an episode). */
  slot: number;
  pending: number;
  learnt?: Baseline;
}

const MIN = 60_000;

/**
 * Scores metric series as samples arrive and emits an event when one starts to deviate and when it
 * comes back. Per series it keeps a ring of the last `referenceMinutes + windowMinutes` of samples
 * (at most `samplesPerSeries`) and, on every sample, scores the window `(t − windowMinutes, t]`
 * with `analysis/`'s {@link scoreMetric}: against the median/MAD of the reference period before the
 * window, floored by the learnt baseline when one is supplied (`baselineFor`), or against that
 * baseline when the period is too short (the batch ranking's rule, same parameters). When the z
 * moved in the signal's fault direction ({@link faultDirection}) reaches `enterZ` an anomaly event
 * is emitted and the reference is frozen, so a long fault does not become its own reference; when
 * it falls below `exitZ` a recovery is emitted. One event per episode, not per sample.
 *
 * A series without a supplied baseline learns one from its own history outside episodes (the last
 * 24 hours at 5-minute resolution by default), used as the supplied one would be once it holds 3
 * hours: a metric that spikes in normal times is then not surprising when it spikes again.
 *
 * Memory: per series 16 × `samplesPerSeries` bytes of samples (8 KiB at the default 512), 8 ×
 * `learnSlots` bytes of learnt history (2.3 KiB at 288), plus its labels and a few numbers; at most `maxSeries` series (≈ 120 MiB at the defaults). A new series
 * past the bound is refused with a reason, never silently dropped; {@link evictIdle} frees slots.
 */
export class StreamingAnomalyDetector {
  private readonly series = new Map<string, SeriesState>();
  private readonly options: StreamingAnomalyOptions;
  private readonly baselineFor: (labels: Readonly<Record<string, string>>) => Baseline | undefined;

  constructor(
    opts: {
      readonly options?: Partial<StreamingAnomalyOptions>;
      /** The baseline learnt from a normal period for a series, when there is one. */
      readonly baselineFor?: (labels: Readonly<Record<string, string>>) => Baseline | undefined;
    } = {},
  ) {
    this.options = { ...DEFAULT_STREAMING, ...opts.options };
    this.baselineFor = opts.baselineFor ?? (() => undefined);
  }

  /** Series currently kept. */
  get seriesCount(): number {
    return this.series.size;
  }

  /**
   * Feeds one sample (`at` epoch ms) of the series `labels` (with `__name__`, and `pod` or
   * `service` naming its resource, as {@link resourceIdOf}). Samples must arrive in time order per
   * series; one not newer than the series' newest is refused. Non-finite values are ignored.
   */
  observe(labels: Readonly<Record<string, string>>, sample: Sample): ObserveResult {
    const key = seriesKeyOf(labels);
    let state = this.series.get(key);
    if (!state) {
      const created = this.create(labels);
      if (!created.accepted) return created;
      state = created.state;
      this.series.set(key, state);
    }
    if (!Number.isFinite(sample.value)) return { accepted: true, events: [] };
    // A sample at the newest one's time is a repeat (a sender's retry), as in a TSDB.
    if (sample.at <= state.ring.last)
      return {
        accepted: false,
        reason: "out_of_order",
        message: `sample at ${new Date(sample.at).toISOString()} is not newer than the series' newest`,
      };
    const o = this.options;
    state.ring.push(sample.at, sample.value);
    state.ring.dropBefore(sample.at - (o.anomaly.referenceMinutes + o.windowMinutes) * MIN);
    const result = this.evaluate(state, sample.at);
    // What an episode shows is not normal: it is not learnt from.
    if (state.learner && !state.episode) this.learn(state.learner, sample);
    return result;
  }

  /** Keeps the slot's last value; when a new slot begins, stores the last one and re-learns. */
  private learn(l: BaselineLearner, sample: Sample): void {
    const slot = Math.floor(sample.at / (this.options.learnEveryMinutes * MIN));
    if (slot !== l.slot && Number.isFinite(l.pending)) {
      l.values[l.written % l.values.length] = l.pending;
      l.written += 1;
      const kept = Math.min(l.written, l.values.length);
      if (kept >= this.options.learnMinSlots) {
        const learnt = learnBaseline(Array.from(l.values.subarray(0, kept)));
        if (learnt) l.learnt = learnt;
      }
    }
    l.slot = slot;
    l.pending = sample.value;
  }

  /** Forgets series whose newest sample is older than `before` (epoch ms); returns how many. */
  evictIdle(before: number): number {
    let n = 0;
    for (const [key, s] of this.series)
      if (s.ring.last < before) {
        this.series.delete(key);
        n++;
      }
    return n;
  }

  private create(
    labels: Readonly<Record<string, string>>,
  ): { accepted: true; state: SeriesState } | Extract<ObserveResult, { accepted: false }> {
    const name = labels.__name__;
    const resource = resourceIdOf(labels);
    if (!name || !resource)
      return {
        accepted: false,
        reason: "no_resource",
        message: "a series needs __name__ and a pod, service or node label to name its resource",
      };
    if (this.series.size >= this.options.maxSeries)
      return {
        accepted: false,
        reason: "series_limit",
        message: `the tenant already has ${this.series.size} series, the most anomaly detection keeps; ${name} on ${resource} is not watched`,
      };
    const extra = Object.entries(labels).filter(([k]) => !RESOURCE_LABELS.has(k));
    const baseline = this.baselineFor(labels);
    const learner: BaselineLearner | undefined =
      !baseline && this.options.learnSlots > 0
        ? {
            values: new Float64Array(this.options.learnSlots),
            written: 0,
            slot: Number.NaN,
            pending: Number.NaN,
          }
        : undefined;
    return {
      accepted: true,
      state: {
        view: { resource, name, ...metricMeta(name), labels: Object.fromEntries(extra) },
        ring: new SampleRing(this.options.samplesPerSeries),
        ...(baseline ? { baseline } : {}),
        ...(learner ? { learner } : {}),
      },
    };
  }

  private evaluate(state: SeriesState, now: number): ObserveResult {
    const o = this.options;
    const window = { from: now - o.windowMinutes * MIN + 1, to: now + 1 };
    const samples = state.ring.toArray();
    if (samples.filter((s) => s.at >= window.from).length < o.minWindowSamples)
      return { accepted: true, events: [] };
    const episode = state.episode;
    // During an episode the reference stays what it was when the episode opened.
    const a = episode
      ? scoreMetric({ ...state.view, samples, baseline: frozenBaseline(episode) }, window, {
          ...o.anomaly,
          referenceMinutes: 0,
          tailFloor: false,
        })
      : scoreMetric(
          { ...state.view, samples, ...(baselineOf(state) ? { baseline: baselineOf(state) } : {}) },
          window,
          o.anomaly,
        );
    if (!a) return { accepted: true, events: [] };
    const moved = movedZ(state.view.signal, state.view.name, a.z);
    const event = (kind: MetricIngestedEvent["kind"]): MetricIngestedEvent => ({
      kind,
      resource: state.view.resource,
      occurredAt: now,
      severity: kind === "metric_anomaly" ? "warning" : "info",
      dedupeKey: `${kind}:${seriesKeyOf({ __name__: state.view.name, ...state.view.labels })}@${state.view.resource}:${now}`,
      metric: state.view.name,
      labels: state.view.labels ?? {},
      signal: state.view.signal,
      value: a.value,
      baseline: a.reference,
      z: a.z,
      windowStart: window.from - 1,
      windowEnd: now,
    });
    if (!episode && moved >= o.enterZ) {
      state.episode = { reference: a.reference, scale: a.scale };
      return { accepted: true, events: [event("metric_anomaly")], z: a.z };
    }
    if (episode && moved < o.exitZ) {
      state.episode = undefined;
      return { accepted: true, events: [event("metric_recovery")], z: a.z };
    }
    return { accepted: true, events: [], z: a.z };
  }
}

/** The series' baseline: the one supplied, else the one it learnt (once it has enough history). */
function baselineOf(state: SeriesState): Baseline | undefined {
  return state.baseline ?? state.learner?.learnt;
}

/** The z in the direction faults move the signal (|z| for either-way signals), as the ranking's strength reads it. */
function movedZ(signal: MetricSignal, name: string, z: number): number {
  const dir = faultDirection(signal, name);
  return dir === 0 ? Math.abs(z) : dir * z;
}

/** The episode's reference as a baseline that {@link scoreMetric} uses as is (no spread to floor with). */
function frozenBaseline(e: Episode): Baseline {
  return { n: 1, median: e.reference, scale: e.scale, p01: e.reference, p99: e.reference };
}

/**
 * The resource a series describes, as the graph names it: `pod/<namespace>/<pod>` from a `pod`
 * label, else `service/<namespace>/<service>`, else `node/<node>`; `namespace` defaults to
 * `default`. Undefined when the labels name none.
 */
export function resourceIdOf(labels: Readonly<Record<string, string>>): string | undefined {
  const namespace = labels.namespace ?? "default";
  if (labels.pod) return `pod/${namespace}/${labels.pod}`;
  if (labels.service) return `service/${namespace}/${labels.service}`;
  if (labels.node) return `node/${labels.node}`;
  return undefined;
}

function seriesKeyOf(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}
