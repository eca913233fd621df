/**
 * The typed input of an RCA query, as the product's knowledge graph will provide it: resources
 * and their relations, metric series with baselines learnt from a normal period, and the symptom.
 * Pure data: the analysis (`analysis/`) never reads a database.
 */

/** Kubernetes kinds the graph knows, plus `service` (a workload seen as a call-graph node). */
export type ResourceKind =
  | "service"
  | "pod"
  | "container"
  | "node"
  | "deployment"
  | "replicaset"
  | "statefulset"
  | "daemonset"
  | "job"
  | "cronjob"
  | "endpointslice"
  | "configmap"
  | "secret"
  | "persistentvolumeclaim"
  | "ingress"
  | "horizontalpodautoscaler";

/** A node of the knowledge graph. */
export interface Resource {
  /** `<kind>/<namespace>/<name>` (`node/<name>` for cluster-scoped kinds), e.g. `pod/shop/cart-7d9-x2`. */
  readonly id: string;
  readonly kind: ResourceKind;
  readonly namespace?: string;
  readonly name: string;
  /** The service (workload) this resource belongs to: `cartservice` for its pods. */
  readonly service: string;
}

/** Edge types of the knowledge graph (issue 15 §3). */
export type RelationType =
  | "CALLS"
  | "RUNS_ON"
  | "OWNS"
  | "CONTROLS"
  | "SELECTS"
  | "MOUNTS"
  | "ROUTES_TO";

/** A directed edge: CALLS goes caller → callee between services, RUNS_ON pod → node. */
export interface Relation {
  readonly type: RelationType;
  readonly from: string;
  readonly to: string;
  /** Relative strength (calls share, request rate); 1 when unknown. */
  readonly weight: number;
}

/** What a metric measures; the fault type is inferred from which signals moved. */
export type MetricSignal =
  | "cpu"
  | "memory"
  | "network"
  | "syscalls"
  | "latency"
  | "errors"
  | "traffic"
  | "node"
  | "other";

/** One observation: `at` in epoch milliseconds. */
export interface Sample {
  readonly at: number;
  readonly value: number;
}

/**
 * What "normal" looks like for one metric, learnt from a fault-free period: the median and a
 * robust σ (1.4826·MAD, `@kamiyo/core`'s {@link import("@kamiyo/core").medianMad}), and the 1st and
 * 99th percentiles.
 */
export interface Baseline {
  readonly n: number;
  readonly median: number;
  /** Robust σ estimate; 0 for a constant history. */
  readonly scale: number;
  readonly p01: number;
  readonly p99: number;
}

/** One metric of one resource. */
export interface MetricSeries {
  /** Resource id this series describes. */
  readonly resource: string;
  /** Prometheus-style name, e.g. `pod_cpu_usage_millicores`. */
  readonly name: string;
  /** Unit of the values (`millicores`, `percent`, `seconds`, `bytes`, `ops`, `count`, `mebibytes`). */
  readonly unit: string;
  readonly signal: MetricSignal;
  /**
   * Labels that tell series of one resource and name apart, beyond the resource: for a call-edge
   * metric `caller` (the calling service) and `reporter` (`source` or `destination`: which side
   * measured it).
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Samples in time order. */
  readonly samples: readonly Sample[];
  /** Baseline from the normal period; absent when the normal period had no sample. */
  readonly baseline?: Baseline;
}

/** What the user asks about: a time window, optionally where it was seen. */
export interface Symptom {
  /** Window start, epoch ms (inclusive). */
  readonly from: number;
  /** Window end, epoch ms (exclusive). */
  readonly to: number;
  /** The service where the symptom shows (an entry service, an alert's service). */
  readonly service?: string;
  /** The alert that raised it, when there is one. */
  readonly alert?: string;
  /**
   * The resource where the symptom shows (`service/shop/frontend`, a pod, a node), when known:
   * the causal path ends there. Without it, it ends at the `service` resource of `service`.
   */
  readonly resource?: string;
}

/** How bad an event on a resource is (a Kubernetes Warning is `warning`). */
export type EventSeverity = "info" | "warning" | "critical";

/**
 * Something that happened to a resource, as the graph stores it (`rca_events`): a state change the
 * graph builder derived (`OOMKilled`, `CrashLoopBackOff`, `NodeNotReady`, `ConfigUpdated`,
 * `RolloutStarted`, …), a Kubernetes Event, or a pod's log error burst. Metric anomalies are
 * read as {@link MetricSeries} instead.
 */
export interface ResourceEvent {
  readonly resource: string;
  readonly kind: "state_change" | "k8s_event" | "log_burst";
  /** `OOMKilled`, `BackOff`, `LogErrors`, … */
  readonly reason: string;
  readonly severity: EventSeverity;
  readonly message: string;
  /** The latest occurrence, epoch ms. */
  readonly at: number;
  /** The first occurrence, epoch ms (a Kubernetes Event's `firstTimestamp`); `at` when unknown. */
  readonly firstAt: number;
}

/** Everything one RCA query reads. */
export interface RcaInput {
  readonly resources: readonly Resource[];
  readonly relations: readonly Relation[];
  readonly metrics: readonly MetricSeries[];
  readonly symptom: Symptom;
  /**
   * Events on resources during the window and the hour before it (changes, failures, Kubernetes
   * Warnings, log bursts); none when absent, and the ranking is the metric ranking alone.
   */
  readonly events?: readonly ResourceEvent[];
}

/**
 * Fault types the analysis can name: from the signals that moved (cpu, memory, network_delay,
 * error, latency), or from the events that explain the failures (memory for an OOMKill, `crash`
 * for containers exiting and restarting, `image` for an image that cannot be pulled, `config` for
 * a ConfigMap or Secret change, `node` for a node that is not ready).
 */
export type FaultType =
  | "cpu"
  | "memory"
  | "network_delay"
  | "error"
  | "latency"
  | "crash"
  | "image"
  | "config"
  | "node"
  | "unknown";

/** One metric anomaly that supports a candidate. */
export interface Evidence {
  readonly resource: string;
  readonly metric: string;
  /** The series' labels beyond the resource (a call edge's `caller` and `reporter`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly signal: MetricSignal;
  /** The window's representative value (median of the window). */
  readonly value: number;
  /** The reference it was compared with (the baseline's median). */
  readonly baseline: number;
  /** Robust z-score of the shift (signed: positive = the value rose). */
  readonly z: number;
  /** Epoch ms of the most deviant sample in the window. */
  readonly at: number;
}

/** One event that supports a candidate: its own change or failure, or a failure it explains. */
export interface EventEvidence {
  readonly resource: string;
  readonly kind: ResourceEvent["kind"];
  readonly reason: string;
  readonly severity: EventSeverity;
  readonly message: string;
  /** Epoch ms (the first of `count`). */
  readonly at: number;
  /** `cause`: what the candidate did or suffered; `effect`: a failure it explains. */
  readonly role: "cause" | "effect";
  /** How many events of this resource and reason it stands for (the first of them is shown). */
  readonly count: number;
}

/** A ranked root-cause candidate. */
export interface Candidate {
  readonly service: string;
  /**
   * The root-cause resource: the ConfigMap that changed, the Deployment that rolled out, the node
   * that went NotReady, the workload whose pods fail; else the most anomalous resource of the
   * service (its pod), when one stands out.
   */
  readonly resource?: string;
  readonly score: number;
  readonly faultType: FaultType;
  /** Services from the candidate to the symptom along CALLS edges reversed (callee → caller). */
  readonly path: readonly string[];
  /**
   * Resource ids from the root cause to the symptom along the relations a fault travels
   * (ConfigMap → pod that mounts it → Service that selects the pod → its callers); the root alone
   * when no such path is known.
   */
  readonly causalPath: readonly string[];
  /** Strongest anomalies first. */
  readonly evidence: readonly Evidence[];
  /** The events behind the candidate: its causes first, then the failures it explains. */
  readonly events: readonly EventEvidence[];
}
