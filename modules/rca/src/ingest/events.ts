import type { EventSeverity, MetricSignal } from "../model.ts";

/** What every event the ingest path produces carries; it becomes a timestamped event on its resource. */
interface EventBase {
  /** Resource id, `<kind>/<namespace>/<name>` (`<kind>/<name>` for cluster-scoped kinds), kind lower-case. */
  readonly resource: string;
  /** When it happened (the latest occurrence), epoch ms. */
  readonly occurredAt: number;
  readonly severity: EventSeverity;
  /**
   * Stable across re-deliveries of the same occurrence, different for a new one: the store keeps
   * one event per key.
   */
  readonly dedupeKey: string;
}

/** A Kubernetes Event (core/v1, events.k8s.io/v1 or kubernetes-event-exporter's EnhancedEvent). */
export interface K8sIngestedEvent extends EventBase {
  readonly kind: "k8s_event";
  /** `BackOff`, `Pulled`, `OOMKilling`, … */
  readonly reason: string;
  /** Kubernetes' own type: `Normal` or `Warning`. */
  readonly type: string;
  readonly message: string;
  /** How many times it has occurred (`count`, or `series.count`); 1 when absent. */
  readonly count: number;
  /** First occurrence, epoch ms. */
  readonly firstSeenAt: number;
  /** `source.component`, else `reportingComponent` (kubelet, default-scheduler, …); "unknown" when neither. */
  readonly source: string;
  /** `source.host` or `reportingInstance`, when given. */
  readonly host?: string;
  /** The exporter's cluster name, when given. */
  readonly cluster?: string;
  /** The involved object's `fieldPath` (`spec.containers{cart}`), when given. */
  readonly fieldPath?: string;
}

/** Error lines of one pod's logs in one minute. */
export interface LogErrorBurstEvent extends EventBase {
  readonly kind: "log_error_burst";
  /** Start of the minute, epoch ms (`occurredAt` is the last error line's time). */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Error lines in the minute. */
  readonly count: number;
  /** Of them, by level: `error`, `fatal`, `panic`, `exception`. */
  readonly byLevel: Readonly<Record<string, number>>;
  /** Containers the lines came from. */
  readonly containers: readonly string[];
  /** The first error line of the minute, truncated to 1,000 characters. */
  readonly sample: string;
}

/** A metric series deviating from its baseline (the start of an episode) or coming back. */
export interface MetricIngestedEvent extends EventBase {
  readonly kind: "metric_anomaly" | "metric_recovery";
  /** Metric name (`__name__`). */
  readonly metric: string;
  /** Labels beyond the resource's. */
  readonly labels: Readonly<Record<string, string>>;
  readonly signal: MetricSignal;
  /** Median of the window's samples. */
  readonly value: number;
  /** The reference median it was compared with. */
  readonly baseline: number;
  /** Robust z-score of the window median (signed). */
  readonly z: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

/** Everything the agents' data becomes, by `kind`. */
export type IngestedEvent = K8sIngestedEvent | LogErrorBurstEvent | MetricIngestedEvent;

/** An input item that could not be used: its position in the batch and why, for the sender. */
export interface IngestRejection {
  readonly index: number;
  readonly reason: string;
}
