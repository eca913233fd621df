import {
  type DetectorOutput,
  type Evidence,
  round as roundTo,
  type Signal,
  type Subject,
} from "@kamiyo/core";

import type { HistoryRecord } from "../../store/index.ts";
import { FeatureBuilder } from "../features/feature-builder.ts";
import type { FeatureRow } from "../features/feature-set.ts";
import type { AnomalyModel, AnomalyScore } from "./anomaly-model.ts";

const round = (v: number) => roundTo(v, 4);

/** The detector kind of ML findings (separate from the rule-based detectors'). */
export const ML_DETECTOR_KIND = "ml";

const SUBJECT: Subject = { type: "market", id: "hyperliquid" };
const REF = { kind: "anomaly", subject: SUBJECT } as const;

export interface AnomalyDetectorOptions {
  /** Stored model id and version, quoted in findings. */
  modelId: string;
  modelVersion: number;
  /** Consecutive anomalous buckets before a medium finding opens (high and critical open at once). */
  confirmBuckets: number;
  /** Called with every scored bucket (metrics, tests). */
  onScore?: (row: FeatureRow, score: AnomalyScore) => void;
}

/**
 * The trained anomaly model as a detector of the live pipeline. It reads the time-series rows
 * the store writes, builds the same bucket features as training, scores each closed bucket and
 * raises one `ml/anomaly` finding per episode of anomalous buckets (escalating with the score),
 * resolved by the first normal bucket. Rule-based findings are untouched: this is one more
 * detector, with its own kind.
 */
export class AnomalyDetector {
  readonly kind = ML_DETECTOR_KIND;
  readonly model: AnomalyModel;
  readonly #opts: AnomalyDetectorOptions;
  readonly #builder: FeatureBuilder;
  #streak = 0;
  #open = false;
  /** Buckets scored, and anomalous ones, since start (for metrics and /ml/status). */
  readonly counters = { scored: 0, anomalous: 0, late: 0 };
  lastScore: (AnomalyScore & { start: number; end: number }) | null = null;

  /** The model, its version and algorithm. */
  get description(): string {
    const algorithm = this.model.state.algorithm === "ensemble" ? "ensemble" : "Isolation Forest";
    return `Anomaly model ${this.#opts.modelId} (version ${this.#opts.modelVersion}, ${algorithm}) on 5-minute buckets of the stored history`;
  }

  /** Buckets scored and found anomalous, rows too late for their bucket, the last score. */
  stats(): { [counter: string]: number } {
    return {
      ...this.counters,
      lastScore: this.lastScore?.score ?? 0,
      modelVersion: this.#opts.modelVersion,
    };
  }

  constructor(model: AnomalyModel, opts: AnomalyDetectorOptions) {
    this.model = model;
    this.#opts = opts;
    this.#builder = new FeatureBuilder({ bucketMs: model.state.bucketMs });
  }

  /**
   * Feeds stored history from before the start (the last hour or so) so that the first live
   * buckets have the same context as in training; nothing is raised for these.
   */
  prime(records: Iterable<HistoryRecord>): void {
    for (const r of records) this.#builder.add(r);
  }

  record(r: HistoryRecord, out: DetectorOutput): void {
    for (const row of this.#builder.add(r)) this.#score(row, out);
    this.counters.late = this.#builder.late;
  }

  tick(now: number, out: DetectorOutput): void {
    for (const row of this.#builder.closeUntil(now)) this.#score(row, out);
  }

  #score(row: FeatureRow, out: DetectorOutput): void {
    const s = this.model.score(row.values);
    this.counters.scored++;
    this.lastScore = { ...s, start: row.start, end: row.end };
    this.#opts.onScore?.(row, s);
    if (s.severity === null) {
      this.#streak = 0;
      if (this.#open) out.resolve(REF, row.end, "bucket score back under the threshold");
      this.#open = false;
      return;
    }
    this.counters.anomalous++;
    this.#streak++;
    if (s.severity === "medium" && !this.#open && this.#streak < this.#opts.confirmBuckets) return;
    this.#open = true;
    out.raise(this.#signal(row, s));
  }

  #signal(row: FeatureRow, s: AnomalyScore): Signal {
    const { state } = this.model;
    const top = s.top[0];
    const evidence: Evidence = {
      score: round(s.score),
      excess: round(s.excess),
      threshold: round(state.cuts.medium),
      algorithm: state.algorithm,
      modelId: this.#opts.modelId,
      modelVersion: this.#opts.modelVersion,
      bucketStart: row.start,
      bucketEnd: row.end,
      topFeatures: s.top.map((c) => c.feature),
      topValues: s.top.map((c) => round(c.value)),
      topZ: s.top.map((c) => round(c.z)),
      unseenFeatures: s.unseen.map((u) => u.feature),
      agreement: s.agreement ? `${s.agreement.anomalous}/${s.agreement.of}` : null,
    };
    const what = state.algorithm === "ensemble" ? "confidence" : "score";
    return {
      ...REF,
      severity: s.severity ?? "medium",
      title: `ML anomaly: ${what} ${s.score.toFixed(2)} over ${state.cuts.medium.toFixed(2)}${top ? `, led by ${top.feature} (z ${top.z.toFixed(1)})` : ""}`,
      evidence,
      dataTime: row.end,
      holdMs: 3 * state.bucketMs,
    };
  }
}
