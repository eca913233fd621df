import type { MetricSignal } from "../model.ts";

/**
 * One time series as Prometheus remote-write carries it (the protobuf `TimeSeries`, decoded):
 * labels including `__name__`, and samples with a timestamp in epoch milliseconds.
 */
export interface RemoteWriteSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly { readonly timestamp: number; readonly value: number }[];
}

/** A CALLS edge between two services, as traces or a service mesh report it. */
export interface CallEdge {
  readonly source: string;
  readonly target: string;
  readonly weight: number;
}

/** Unit and signal of a metric name, from the naming conventions the ingest path accepts. */
export interface MetricMeta {
  readonly unit: string;
  readonly signal: MetricSignal;
}

const UNIT_SUFFIXES: readonly [string, string][] = [
  ["_millicores", "millicores"],
  ["_percent", "percent"],
  ["_seconds", "seconds"],
  ["_bytes", "bytes"],
  ["_mebibytes", "mebibytes"],
  ["_ops", "ops"],
];

/**
 * Unit and signal of a metric, from its name: the unit from the suffix (`_seconds`, `_bytes`,
 * `_percent`, …; `count` otherwise), the signal from its words (`node_…` → node, `cpu`, `memory`,
 * `latency`/`duration`, `success`/`error`, `network`/`receive`/`transmit`, `syscall`,
 * `workload`/`requests`).
 */
export function metricMeta(name: string): MetricMeta {
  const unit = UNIT_SUFFIXES.find(([suffix]) => name.endsWith(suffix))?.[1] ?? "count";
  return { unit, signal: signalOf(name) };
}

function signalOf(name: string): MetricSignal {
  if (name.startsWith("node_")) return "node";
  if (/cpu/.test(name)) return "cpu";
  if (/memory|_rss|working_set/.test(name)) return "memory";
  if (/latency|duration/.test(name)) return "latency";
  if (/success|error|fail/.test(name)) return "errors";
  if (/network|receive|transmit/.test(name)) return "network";
  if (/syscall/.test(name)) return "syscalls";
  if (/workload|requests|ops/.test(name)) return "traffic";
  return "other";
}

/**
 * The service a pod belongs to: its name without the ReplicaSet hash and pod suffix
 * (`cartservice-579f59597d-wc2lz` → `cartservice`), or without a StatefulSet ordinal
 * (`redis-0` → `redis`); the name itself otherwise.
 */
export function serviceOfPod(pod: string): string {
  const deployment = /^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$/.exec(pod);
  if (deployment?.[1]) return deployment[1];
  const statefulSet = /^(.+)-\d+$/.exec(pod);
  if (statefulSet?.[1]) return statefulSet[1];
  return pod;
}
